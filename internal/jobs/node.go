package jobs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Node returns this node's ID for Config.NodeID: the one kept in
// <dir>/node-id, created on first use as "<host name>-<8 random hex>". A
// node is its data directory, so the ID survives restarts and differs
// between nodes that share a PostgreSQL database.
//
// Node also locks <dir>/jobs.lock for as long as the process lives (or until
// release), which is what makes the ID safe to reclaim with: a process that
// holds the lock knows that every job attempted under the ID was attempted
// by a process that has stopped. When another live process holds the lock
// (two processes on one data directory), Node returns "" and release is a
// no-op; the caller then leaves the ID to River and orphans to its rescuer.
func Node(dir string) (id string, release func(), err error) {
	release = func() {}
	unlock, ok, err := lockFile(filepath.Join(dir, "jobs.lock"))
	if err != nil || !ok {
		return "", release, err
	}
	id, err = nodeID(filepath.Join(dir, "node-id"))
	if err != nil {
		unlock()
		return "", release, err
	}
	return id, unlock, nil
}

func nodeID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		id := strings.TrimSpace(string(b))
		if id == "" || len(id) > 120 {
			return "", fmt.Errorf("jobs: %s holds no usable node ID (1 to 120 bytes); delete it to make a new one", path)
		}
		return id, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("jobs: node ID: %w", err)
	}
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return -1
	}, host)
	if host == "" {
		host = "node"
	}
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	id := host[:min(len(host), 100)] + "-" + hex.EncodeToString(rnd[:])
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("jobs: node ID: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("jobs: node ID: %w", err)
	}
	return id, nil
}
