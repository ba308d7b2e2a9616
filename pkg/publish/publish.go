package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/daemon"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/moby/moby/client"

	"github.com/canto-build/canto/pkg/image"
)

// Write publishes img to dest and returns its manifest digest. File outputs
// appear atomically: a failed Write leaves no partial file under the final
// name. Registry pushes upload only the blobs the registry lacks, mount
// blobs of a base from the same registry instead of uploading them, and send
// the manifest last.
func Write(ctx context.Context, img v1.Image, dest image.Reference, opts ...Option) (v1.Hash, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := check(ctx, dest, o); err != nil {
		return v1.Hash{}, err
	}
	digest, err := img.Digest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("writing image to %q: computing digest: %w", dest.String(), err)
	}
	switch dest.Transport {
	case image.TransportRegistry:
		err = writeRegistry(ctx, img, dest, o)
	case image.TransportOCI:
		err = writeLayout(ctx, dest.Path, dest.Name, img, o.progress)
	case image.TransportOCIArchive:
		err = writeOCIArchive(ctx, dest.Path, dest.Name, img, o.progress)
	case image.TransportDockerArchive:
		err = writeDockerArchive(dest, img, o.progress)
	case image.TransportDockerDaemon:
		err = writeDaemon(ctx, img, dest, o)
	}
	if err != nil {
		return v1.Hash{}, fmt.Errorf("writing image to %q: %w", dest.String(), err)
	}
	return digest, nil
}

// Check says, before any work is done, whether Write to dest can succeed as
// far as can be known: the reference is well formed, a file output's
// directory exists and is writable, an OCI layout directory is one, the
// Docker daemon answers. It does not contact registries.
func Check(ctx context.Context, dest image.Reference, opts ...Option) error {
	o, err := makeOptions(opts)
	if err != nil {
		return err
	}
	return check(ctx, dest, o)
}

func check(ctx context.Context, dest image.Reference, o options) error {
	var err error
	switch dest.Transport {
	case image.TransportRegistry:
		_, err = name.ParseReference(dest.Name, nameOptions(o.insecure)...)
	case image.TransportOCI:
		err = checkLayoutDir(dest.Path)
	case image.TransportOCIArchive, image.TransportDockerArchive:
		err = checkOutputFile(dest.Path)
	case image.TransportDockerDaemon:
		if _, err = daemonTag(dest.Name); err == nil {
			err = pingDaemon(ctx, o)
		}
	default:
		err = fmt.Errorf("unknown transport %q\nhint: use docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF] or docker-daemon:REF", dest.Transport)
	}
	if err != nil {
		return fmt.Errorf("checking destination %q: %w", dest.String(), err)
	}
	return nil
}

func nameOptions(insecure bool) []name.Option {
	opts := []name.Option{name.WeakValidation}
	if insecure {
		opts = append(opts, name.Insecure)
	}
	return opts
}

// checkWritableDir proves dir takes new files by creating and removing one.
func checkWritableDir(dir string) error {
	f, err := os.CreateTemp(dir, ".canto-check-*")
	if err != nil {
		return fmt.Errorf("directory %q is not writable: %w", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

func checkLayoutDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		// Write creates it: its nearest existing ancestor must be writable.
		parent := filepath.Dir(filepath.Clean(dir))
		for {
			pst, perr := os.Stat(parent)
			if perr == nil {
				if !pst.IsDir() {
					return fmt.Errorf("%q is not a directory", parent)
				}
				return checkWritableDir(parent)
			}
			if !errors.Is(perr, fs.ErrNotExist) || filepath.Dir(parent) == parent {
				return perr
			}
			parent = filepath.Dir(parent)
		}
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%q exists and is not a directory\nhint: oci:DIR names a directory; for a single file use oci-archive:FILE or docker-archive:FILE", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
			return fmt.Errorf("%q is a non-empty directory without an oci-layout file\nhint: name an empty or new directory, or an existing OCI layout", dir)
		}
	}
	return checkWritableDir(dir)
}

func checkOutputFile(p string) error {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return fmt.Errorf("%q is a directory\nhint: name a file to write, such as image.tar", p)
	}
	dir := filepath.Dir(p)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("output directory %q: %w\nhint: create it first", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("output directory %q is not a directory", dir)
	}
	return checkWritableDir(dir)
}

// forward turns a go-containerregistry update channel into calls of f. The
// returned wait blocks until the channel is closed and drained; given
// success it reports completion, since go-containerregistry's own totals
// can end short (mounted and existing blobs are counted unevenly).
func forward(phase Phase, f func(Progress)) (chan v1.Update, func(ok bool)) {
	ch := make(chan v1.Update, 64)
	done := make(chan struct{})
	var last Progress
	go func() {
		defer close(done)
		for u := range ch {
			if u.Error == nil {
				last = Progress{Phase: phase, Done: u.Complete, Total: u.Total}
				f(last)
			}
		}
	}()
	return ch, func(ok bool) {
		<-done
		if ok && (last.Done != last.Total || last.Total == 0) {
			total := max(last.Done, last.Total)
			f(Progress{Phase: phase, Done: total, Total: total})
		}
	}
}

func writeRegistry(ctx context.Context, img v1.Image, dest image.Reference, o options) error {
	ref, err := name.ParseReference(dest.Name, nameOptions(o.insecure)...)
	if err != nil {
		return err
	}
	ropts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithJobs(o.jobs),
		remote.WithRetryBackoff(remote.Backoff{Duration: o.retryDelay, Factor: 3, Jitter: 0.1, Steps: o.retries + 1}),
	}
	if o.transport != nil {
		ropts = append(ropts, remote.WithTransport(o.transport))
	}
	var wait func(ok bool)
	if o.progress != nil {
		var ch chan v1.Update
		ch, wait = forward(PhaseUpload, o.progress)
		// remote.Write closes ch when it returns.
		ropts = append(ropts, remote.WithProgress(ch))
	}
	err = remote.Write(ref, img, ropts...)
	if wait != nil {
		wait(err == nil)
	}
	if err != nil {
		reg := ref.Context().RegistryStr()
		var terr *transport.Error
		if errors.As(err, &terr) && (terr.StatusCode == 401 || terr.StatusCode == 403) {
			return fmt.Errorf("%w\nhint: check the push credentials for %s (docker login %s)", err, reg, reg)
		}
		return err
	}
	return nil
}

func writeDockerArchive(dest image.Reference, img v1.Image, progress func(Progress)) error {
	tagName := dest.Name
	if tagName == "" {
		tagName = DefaultArchiveTag
	}
	tag, err := name.NewTag(tagName, name.WeakValidation)
	if err != nil {
		return err
	}
	return writeFileAtomic(dest.Path, func(f *os.File) error {
		var topts []tarball.WriteOption
		var ch chan v1.Update
		var wait func(ok bool)
		if progress != nil {
			ch, wait = forward(PhaseWrite, progress)
			topts = append(topts, tarball.WithProgress(ch))
		}
		err := tarball.Write(tag, img, f, topts...)
		if ch != nil {
			// tarball.Write does not close the channel.
			close(ch)
			wait(err == nil)
		}
		return err
	})
}

// writeFileAtomic writes p through a temporary file in the same directory
// that is renamed over p only once write succeeded and the data is synced.
func writeFileAtomic(p string, write func(f *os.File) error) (err error) {
	dir, base := filepath.Split(p)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating temporary file for %q: %w", p, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %q: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %q: %w", tmp, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("renaming %q to %q: %w", tmp, p, err)
	}
	return nil
}

func daemonTag(ref string) (name.Tag, error) {
	if strings.Contains(ref, "@") {
		return name.Tag{}, fmt.Errorf("%q has a digest; the docker daemon stores images by tag\nhint: write docker-daemon:NAME:TAG", ref)
	}
	return name.NewTag(ref, name.WeakValidation)
}

// daemonClient returns the configured client, or one from the environment.
func daemonClient(o options) (daemon.Client, error) {
	if o.daemonClient != nil {
		return o.daemonClient, nil
	}
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("configuring the docker client: %w", err)
	}
	return c, nil
}

const daemonHint = "hint: start Docker or set DOCKER_HOST to its socket; or write docker-archive:FILE and run docker load -i FILE"

func pingDaemon(ctx context.Context, o options) error {
	c, err := daemonClient(o)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, daemonHint)
	}
	if _, err := c.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return fmt.Errorf("connecting to the docker daemon: %w\n%s", err, daemonHint)
	}
	return nil
}

func writeDaemon(ctx context.Context, img v1.Image, dest image.Reference, o options) error {
	tag, err := daemonTag(dest.Name)
	if err != nil {
		return err
	}
	c, err := daemonClient(o)
	if err != nil {
		return err
	}
	if _, err := daemon.Write(tag, img, daemon.WithContext(ctx), daemon.WithClient(c)); err != nil {
		return fmt.Errorf("loading into the docker daemon: %w", err)
	}
	return nil
}
