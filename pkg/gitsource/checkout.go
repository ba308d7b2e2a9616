package gitsource

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/canto-build/canto/internal/tmpdir"
)

// allowedProtocols are the transports git may use (GIT_ALLOW_PROTOCOL): a
// lock file must not make git run a command through ext:: or fd::.
const allowedProtocols = "file:git:http:https:ssh"

// staleAge is how old an unfinished checkout must be before another run
// removes it.
const staleAge = time.Hour

var commitID = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

type options struct {
	git string
	log *slog.Logger
	env []string
}

// Option configures Checkout.
type Option func(*options)

// WithGit names the git binary (default: "git" on PATH).
func WithGit(path string) Option { return func(o *options) { o.git = path } }

// WithLogger receives a debug line per git command (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithEnv replaces the environment git runs in (default os.Environ(), so
// that the user's git configuration and credential helpers apply); the
// variables that keep git from prompting and from running commands are
// added to it either way.
func WithEnv(env []string) Option { return func(o *options) { o.env = env } }

// Checkout returns a directory holding the tree of commit (a full hex
// object name) of the git repository repo, checked out under
// cacheDir/git/ with its submodules, without .git: the same for every
// machine. The first call fetches; later ones return the cached tree. The
// caller must not change the tree.
//
// Git runs with the user's configuration (credentials, insteadOf, ssh),
// never prompts for https credentials (GIT_TERMINAL_PROMPT=0), and may use
// only the file, git, http, https and ssh transports (GIT_ALLOW_PROTOCOL);
// submodules keep git's own rule that they may not use file paths. A
// password or token in repo never appears in errors or logs.
func Checkout(ctx context.Context, cacheDir, repo, commit string, opts ...Option) (string, error) {
	o := options{git: "git", log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	shown := Redact(repo)
	if !commitID.MatchString(commit) {
		return "", fmt.Errorf("checking out %s: %q is not a full commit id\nhint: the lock file pins git dependencies by commit (resolved_reference); run \"poetry lock\" to write it", shown, commit)
	}
	if repo == "" || strings.HasPrefix(repo, "-") || strings.ContainsAny(repo, "\x00\n\r") {
		return "", fmt.Errorf("checking out %q: not a repository URL", shown)
	}
	sum := sha256.Sum256([]byte(repo + "\x00" + commit))
	base := filepath.Join(cacheDir, "git")
	dir := filepath.Join(base, hex.EncodeToString(sum[:12])+"-"+commit[:12])
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir, nil
	}
	git, err := exec.LookPath(o.git)
	if err != nil {
		return "", fmt.Errorf("checking out %s at %s: git dependencies need git on this machine: %w\nhint: install it (apt-get install git)", shown, commit[:12], err)
	}
	o.git = git
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", fmt.Errorf("checking out %s: %w", shown, err)
	}
	tmpdir.RemoveStale(base, ".tmp-", time.Now().Add(-staleAge))
	tmp, err := os.MkdirTemp(base, ".tmp-")
	if err != nil {
		return "", fmt.Errorf("checking out %s: %w", shown, err)
	}
	if err := checkout(ctx, &o, tmp, repo, commit); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("checking out %s at %s: %w", shown, commit[:12], err)
	}
	if err := os.RemoveAll(filepath.Join(tmp, ".git")); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("checking out %s: %w", shown, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		_ = os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.RemoveAll(tmp)
		if fi, serr := os.Stat(dir); serr == nil && fi.IsDir() {
			return dir, nil // another process won the race
		}
		return "", fmt.Errorf("checking out %s: %w", shown, err)
	}
	return dir, nil
}

func checkout(ctx context.Context, o *options, dir, repo, commit string) error {
	run := func(args ...string) error { return o.run(ctx, dir, repo, args...) }
	if err := run("init", "-q", "."); err != nil {
		return err
	}
	// Most servers (GitHub, GitLab, git over file) hand out any commit;
	// others only what a ref names, so fall back to fetching every ref.
	if err := run("fetch", "-q", "--depth", "1", "--no-tags", "--", repo, commit); err != nil {
		o.log.Debug("fetching one commit failed; fetching every ref", "repo", Redact(repo), "error", err)
		if err := run("fetch", "-q", "--no-tags", "--", repo, "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"); err != nil {
			return err
		}
	}
	if err := run("cat-file", "-e", commit+"^{commit}"); err != nil {
		return fmt.Errorf("the repository has no commit %s\nhint: the commit may have been force-pushed away; run \"poetry lock\" to pin one that exists", commit)
	}
	if err := run("-c", "advice.detachedHead=false", "checkout", "-q", "--detach", commit); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, ".gitmodules")); err == nil {
		if err := run("submodule", "update", "-q", "--init", "--recursive", "--depth", "1"); err != nil {
			return err
		}
	}
	return nil
}

// run runs git in dir with settings that make the tree the same everywhere.
func (o *options) run(ctx context.Context, dir, repo string, args ...string) error {
	full := append([]string{"-c", "core.autocrlf=false", "-c", "core.symlinks=true"}, args...)
	cmd := exec.CommandContext(ctx, o.git, full...)
	cmd.Dir = dir
	env := o.env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(append([]string(nil), env...), "GIT_TERMINAL_PROMPT=0", "GIT_ALLOW_PROTOCOL="+allowedProtocols, "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	o.log.Debug("git", "args", redactArgs(args, repo))
	err := cmd.Run()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		msg := strings.TrimSpace(redactText(out.String(), repo))
		if len(msg) > 2000 {
			msg = "..." + msg[len(msg)-2000:]
		}
		return fmt.Errorf("git %s: %w\n%s", args[0], err, msg)
	}
	return nil
}

// Redact removes a password or token from a repository URL, keeping the
// user name (git@ for ssh): "https://u:secret@host/r" -> "https://u:xxxxx@host/r".
func Redact(repo string) string {
	u, err := url.Parse(repo)
	if err != nil || u.User == nil {
		return repo
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	} else if u.Scheme == "https" || u.Scheme == "http" {
		// A bare user name in an https URL is usually a token.
		u.User = url.User("xxxxx")
	}
	return u.String()
}

func redactText(s, repo string) string {
	if r := Redact(repo); r != repo {
		s = strings.ReplaceAll(s, repo, r)
	}
	if u, err := url.Parse(repo); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			s = strings.ReplaceAll(s, p, "xxxxx")
		} else if u.Scheme == "https" || u.Scheme == "http" {
			if n := u.User.Username(); n != "" {
				s = strings.ReplaceAll(s, n, "xxxxx")
			}
		}
	}
	return s
}

func redactArgs(args []string, repo string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = redactText(a, repo)
	}
	return out
}
