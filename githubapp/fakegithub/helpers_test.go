package fakegithub_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/gregjones/httpcache"
	"github.com/palantir/go-githubapp/githubapp"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

const (
	appID = 4242

	installationAcme    = 100 // checks and statuses
	installationGlobex  = 200 // checks and statuses
	installationInitech = 300 // statuses only, no checks permission

	headSHA = "ce587453ced02b1526dfb4cb910479d431683101"
)

var (
	repoAcmeApp    = fakegithub.Repository{ID: 1001, Owner: "acme", Name: "app"}
	repoAcmeLib    = fakegithub.Repository{ID: 1002, Owner: "acme", Name: "lib", Private: true}
	repoGlobexSite = fakegithub.Repository{ID: 2001, Owner: "globex", Name: "site"}
	repoInitechAPI = fakegithub.Repository{ID: 3001, Owner: "initech", Name: "api"}
)

// appKey is one RSA key for every test; generating one per test costs more
// than the tests themselves.
var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return key
})

func keyPEM(key *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

func seedInstallations() []fakegithub.Installation {
	full := map[string]string{"checks": "write", "statuses": "write", "metadata": "read"}
	return []fakegithub.Installation{
		{
			ID: installationAcme, Account: fakegithub.Account{Login: "acme", ID: 501},
			Permissions: full, Repositories: []fakegithub.Repository{repoAcmeApp, repoAcmeLib},
		},
		{
			ID: installationGlobex, Account: fakegithub.Account{Login: "globex", ID: 502},
			Permissions: full, Repositories: []fakegithub.Repository{repoGlobexSite},
		},
		{
			ID: installationInitech, Account: fakegithub.Account{Login: "initech", ID: 503, Type: fakegithub.AccountUser},
			Permissions:  map[string]string{"statuses": "write", "metadata": "read"},
			Repositories: []fakegithub.Repository{repoInitechAPI},
		},
	}
}

// env is a started fake and a go-githubapp client creator for its App.
type env struct {
	server  *fakegithub.Server
	creator githubapp.ClientCreator
}

// setup starts a fake with the seeded installations; change adjusts the
// options first.
func setup(t *testing.T, change ...func(*fakegithub.Options)) *env {
	t.Helper()
	opts := fakegithub.Options{
		AppID:         appID,
		PublicKey:     &appKey().PublicKey,
		Installations: seedInstallations(),
	}
	for _, c := range change {
		c(&opts)
	}
	server, err := fakegithub.Start(opts)
	require.NoError(t, err)
	t.Cleanup(server.Close)
	return &env{server: server, creator: newCreator(t, server, appKey())}
}

func newCreator(t *testing.T, server *fakegithub.Server, key *rsa.PrivateKey) githubapp.ClientCreator {
	t.Helper()
	config := githubapp.Config{V3APIURL: server.URL(), V4APIURL: server.URL() + "graphql"}
	config.App.IntegrationID = appID
	config.App.PrivateKey = string(keyPEM(key))
	creator, err := githubapp.NewDefaultCachingClientCreator(config,
		githubapp.WithClientCaching(true, func() httpcache.Cache { return httpcache.NewMemoryCache() }),
		githubapp.WithClientTimeout(10*time.Second),
	)
	require.NoError(t, err)
	return creator
}

func (e *env) installationClient(t *testing.T, id int64) *github.Client {
	t.Helper()
	client, err := e.creator.NewInstallationClient(id)
	require.NoError(t, err)
	return client
}

func (e *env) appClient(t *testing.T) *github.Client {
	t.Helper()
	client, err := e.creator.NewAppClient()
	require.NoError(t, err)
	return client
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
