package main

import "syscall"

// benchChildAttr makes Linux send SIGTERM to a process that the bench
// starts when the bench dies, even by SIGKILL, so that its serve and bare
// handler processes do not outlive it. Linux ties this to the thread that
// started the child. The Go runtime ends a thread only when a goroutine
// locked to it exits, and this program locks none.
func benchChildAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
