//go:build !linux

package main

import "syscall"

// benchChildAttr returns nil: only Linux can signal a child when its
// parent dies, so elsewhere a killed bench leaves its children running.
func benchChildAttr() *syscall.SysProcAttr {
	return nil
}
