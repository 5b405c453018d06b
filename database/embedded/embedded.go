// Package embedded runs a PostgreSQL server from the binaries installed on
// the machine, in a data folder of CentralCloud's own.
//
// PostgreSQL refuses to start as root, so when the process runs as root the
// server processes run as the "postgres" user (else "nobody") and the data
// folder is handed to that user. The server listens on 127.0.0.1 only, on a
// port picked at start, and has no Unix socket.
package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// Options configures an embedded server.
type Options struct {
	// DataDir is the folder that holds the cluster; it is created if missing
	// and kept between runs.
	DataDir string
	// BinDir is the folder with initdb and pg_ctl; empty means search.
	BinDir string
	// Database is created on first start if missing.
	Database string
	Logger   zerolog.Logger
	// AdoptOrphan makes this process the owner of a server that a process
	// which has since died left running, so that Stop stops it. A server
	// whose owner still runs is used but never stopped by this process.
	AdoptOrphan bool
	// NoCreate skips creating Database, for a start that only stops an
	// orphaned server.
	NoCreate bool
}

// Server is a running embedded PostgreSQL server.
type Server struct {
	binDir   string
	dataDir  string
	port     int
	database string
	runAs    *syscall.Credential
	logger   zerolog.Logger
	// owned is true when Stop should stop the server: this process started
	// it or adopted it.
	owned bool
}

// Start initialises the cluster when the data folder is new, starts the
// server and creates the database. A server left running in the same data
// folder by a killed process is reused.
func Start(ctx context.Context, opts Options) (*Server, error) {
	binDir, err := findBinaries(opts.BinDir)
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("resolve data dir %q: %w", opts.DataDir, err)
	}
	s := &Server{
		binDir:   binDir,
		dataDir:  filepath.Join(dataDir, "postgres"),
		database: opts.Database,
		logger:   opts.Logger.With().Str(logkey.Component, "embedded-postgres").Logger(),
	}
	if s.database == "" {
		s.database = "centralcloud"
	}
	if err := s.prepareUser(); err != nil {
		return nil, err
	}
	if err := s.initCluster(ctx); err != nil {
		return nil, err
	}
	if err := s.startServer(ctx, opts.AdoptOrphan); err != nil {
		return nil, err
	}
	if opts.NoCreate {
		return s, nil
	}
	if err := s.createDatabase(ctx); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// OwnerAlive reports whether the process that owns the server in dataDir
// (the DataDir of Options) still runs.
func OwnerAlive(dataDir string) bool {
	s := &Server{dataDir: filepath.Join(dataDir, "postgres")}
	_, alive := s.ownerAlive()
	return alive
}

// URL returns the connection URL of the server's database.
func (s *Server) URL() string {
	return s.DatabaseURL(s.database)
}

// DatabaseURL returns the connection URL of another database on the server.
func (s *Server) DatabaseURL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, database)
}

// Port returns the TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// prepareUser picks the account that runs the server when this process is
// root, and makes the data folder its own.
func (s *Server) prepareUser() error {
	if err := os.MkdirAll(filepath.Dir(s.dataDir), 0o755); err != nil {
		return fmt.Errorf("create data dir %q: %w", filepath.Dir(s.dataDir), err)
	}
	if os.Geteuid() != 0 {
		return nil
	}
	cred, name, err := unprivilegedUser()
	if err != nil {
		return err
	}
	s.runAs = cred
	if err := os.MkdirAll(s.dataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir %q: %w", s.dataDir, err)
	}
	if err := os.Chown(filepath.Dir(s.dataDir), int(cred.Uid), int(cred.Gid)); err != nil {
		return fmt.Errorf("hand data dir %q to user %s: %w", filepath.Dir(s.dataDir), name, err)
	}
	if err := chownTree(s.dataDir, int(cred.Uid), int(cred.Gid)); err != nil {
		return fmt.Errorf("hand data dir %q to user %s: %w", s.dataDir, name, err)
	}
	if err := checkReachable(s.dataDir, name, cred); err != nil {
		return err
	}
	s.logger.Info().Str(logkey.User, name).Msg("running as root: embedded postgres runs as an unprivileged user")
	return nil
}

func unprivilegedUser() (*syscall.Credential, string, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, name, nil
	}
	return nil, "", errors.New("running as root, but no unprivileged user (postgres or nobody) exists " +
		"to run the embedded PostgreSQL server: create one, run CentralCloud as a normal user, " +
		"or set CENTRALCLOUD_DATABASE_URL")
}

func chownTree(root string, uid, gid int) error {
	return filepath.Walk(root, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

// checkReachable fails early when a parent folder of the data dir denies the
// server's user the right to traverse it, since initdb would fail obscurely.
func checkReachable(dir, name string, cred *syscall.Credential) error {
	for parent := filepath.Dir(dir); ; parent = filepath.Dir(parent) {
		info, err := os.Stat(parent)
		if err != nil {
			return fmt.Errorf("inspect %q: %w", parent, err)
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		mode := info.Mode().Perm()
		traversable := mode&0o001 != 0 ||
			(ok && st.Uid == cred.Uid && mode&0o100 != 0) ||
			(ok && st.Gid == cred.Gid && mode&0o010 != 0)
		if !traversable {
			return fmt.Errorf("the embedded PostgreSQL server runs as user %s, which cannot enter %q: "+
				"set CENTRALCLOUD_DATA_DIR to a folder outside it (for example under /var/lib or /tmp)",
				name, parent)
		}
		if parent == filepath.Dir(parent) {
			return nil
		}
	}
}

func (s *Server) initCluster(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(s.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	s.logger.Info().Str(logkey.DataDir, s.dataDir).Msg("initialising embedded postgres cluster")
	_, err := s.run(ctx, "initdb", "--pgdata", s.dataDir, "--username", "postgres",
		"--auth", "trust", "--encoding", "UTF8", "--no-locale", "--no-sync")
	return err
}

func (s *Server) startServer(ctx context.Context, adoptOrphan bool) error {
	if port, ok := s.runningPort(ctx); ok {
		s.port = port
		owner, alive := s.ownerAlive()
		if alive {
			s.logger.Info().Int(logkey.Port, port).Int(logkey.OwnerPID, owner).Msg("using embedded postgres of a running centralcloud process")
			return nil
		}
		if adoptOrphan {
			s.owned = true
			s.logger.Warn().Int(logkey.Port, port).Msg("adopting embedded postgres left running by a process that died")
			return s.writeOwner()
		}
		s.logger.Info().Int(logkey.Port, port).Msg("using embedded postgres left running by a process that died")
		return nil
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		options := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", port)
		_, lastErr = s.run(ctx, "pg_ctl", "start", "--wait", "--timeout", "60",
			"--pgdata", s.dataDir, "--log", filepath.Join(s.dataDir, "server.log"), "-o", options)
		if lastErr == nil {
			s.port = port
			s.owned = true
			s.logger.Info().Int(logkey.Port, port).Str(logkey.DataDir, s.dataDir).Msg("embedded postgres started")
			return s.writeOwner()
		}
		s.logger.Warn().Err(lastErr).Int(logkey.Port, port).Msg("embedded postgres failed to start, retrying on another port")
	}
	return fmt.Errorf("%w (server log: %s)", lastErr, filepath.Join(s.dataDir, "server.log"))
}

// runningPort reports the port of a server already running in the data
// folder, read from postmaster.pid, whose fourth line is the port.
func (s *Server) runningPort(ctx context.Context) (int, bool) {
	if _, err := s.run(ctx, "pg_ctl", "status", "--pgdata", s.dataDir); err != nil {
		return 0, false
	}
	pid, err := os.ReadFile(filepath.Join(s.dataDir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(pid), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	return port, err == nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a port for embedded postgres: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) createDatabase(ctx context.Context) error {
	return CreateDatabase(ctx, s.DatabaseURL("postgres"), s.database)
}

// CreateDatabase creates database name on the server at adminURL unless it
// exists.
func CreateDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil || exists {
		return err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if err != nil {
		return fmt.Errorf("create database %q: %w", name, err)
	}
	return nil
}

// ownerFile holds the process id of the CentralCloud process that owns the
// running server.
func (s *Server) ownerFile() string {
	return filepath.Join(filepath.Dir(s.dataDir), "postgres-owner.pid")
}

func (s *Server) writeOwner() error {
	err := os.WriteFile(s.ownerFile(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	if err != nil {
		return fmt.Errorf("record embedded postgres owner: %w", err)
	}
	return nil
}

// ownerAlive reports the owner's process id and whether it still runs.
func (s *Server) ownerAlive() (int, bool) {
	data, err := os.ReadFile(s.ownerFile())
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return pid, false
	}
	// Signal 0 checks that the process exists without touching it.
	return pid, syscall.Kill(pid, 0) == nil
}

// Stop shuts the server down with a fast shutdown, so open transactions
// are rolled back and the data stays consistent. A server that this process
// neither started nor adopted is left running for its owner.
func (s *Server) Stop() error {
	if !s.owned {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := s.run(ctx, "pg_ctl", "stop", "--wait", "--mode", "fast", "--pgdata", s.dataDir)
	if err != nil {
		return err
	}
	_ = os.Remove(s.ownerFile())
	s.logger.Info().Str(logkey.DataDir, s.dataDir).Msg("embedded postgres stopped")
	return nil
}

func (s *Server) run(ctx context.Context, program string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.binDir, program), args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Dir = filepath.Dir(s.dataDir)
	// A new process group keeps the server out of reach of a Ctrl-C sent to
	// the terminal's group, so CentralCloud stops it in order itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: s.runAs}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s failed: %w: %s", program, args[0], err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}
