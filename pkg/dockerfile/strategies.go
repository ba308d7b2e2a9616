package dockerfile

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// Paths inside the images.
const (
	poetryHome  = "/opt/poetry" // Poetry's own virtualenv
	poetryBin   = poetryHome + "/bin/poetry"
	appDir      = "/app"
	appVenv     = appDir + "/.venv" // Poetry's in-project virtualenv (classic strategies)
	optVenv     = "/opt/venv"       // the application's virtualenv (Recommended)
	appUID      = "10001"
	cachePip    = "type=cache,target=/root/.cache/pip"
	cachePoetry = "type=cache,target=/root/.cache/pypoetry"
)

var summaries = map[Strategy][]string{
	Full: {
		"Strategy full: one stage on the full python image, which already has a compiler.",
		"Poetry is installed once; every dependency is reinstalled when pyproject.toml",
		"or poetry.lock changes. Simple, and the largest image.",
	},
	Slim: {
		"Strategy slim: one stage on the slim image plus the compiler and headers that",
		"the dependencies built from source need. Poetry and the compiler stay in the image.",
	},
	Layered: {
		"Strategy layered: the virtualenv is built in a builder stage and copied into a",
		"slim runtime stage at the same absolute path (its scripts' shebangs name it).",
	},
	Multistage: {
		"Strategy multistage: one dependency stage feeds a development target (with the",
		"development groups and Poetry) and a production target (neither).",
	},
	BuildKit: {
		"Strategy buildkit: the slim strategy with BuildKit cache mounts for the pip and",
		"Poetry caches, so a changed lock downloads only what is new.",
	},
	Recommended: {
		"Strategy recommended: Poetry pinned and kept out of the final image; the",
		"dependency layer depends on pyproject.toml and poetry.lock alone; cache and",
		"secret mounts; the project installed last, as a wheel; no compiler; non-root.",
	},
}

func (m *model) header(d *doc) {
	p := m.project
	d.comment(fmt.Sprintf("Dockerfile for %s %s, written by `canto dockerfile --strategy %s`.", p.Name, p.Version, m.strategy), "")
	d.comment(summaries[m.strategy]...)
	d.comment("", fmt.Sprintf("Target: %s; Poetry %s.", m.target, m.poetryStr))
	if len(m.compiled) > 0 {
		d.comment("Built from source (no wheel fits): " + strings.Join(m.compiled, ", ") + ".")
	}
	d.comment("", "Build it with BuildKit (DOCKER_BUILDKIT=1 on Docker before 23):")
	tag := strings.ToLower(p.Name)
	switch m.strategy {
	case Multistage:
		d.comment("  docker build --target production --tag "+tag+" .",
			"  docker build --target development --tag "+tag+":dev .")
	default:
		d.comment("  docker build --tag " + tag + " .")
	}
	if len(m.secrets) > 0 {
		var s []string
		for _, sec := range m.secrets {
			s = append(s, "--secret id="+sec.id+",src=FILE")
		}
		d.comment("Credentials for private indexes come from BuildKit secrets, never ARG or ENV:",
			"  "+strings.Join(s, " "))
	}
}

// buildEnv is the environment of stages that run Poetry.
func (m *model) buildEnv(extra ...string) []string {
	return append([]string{
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONUNBUFFERED=1",
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"POETRY_NO_INTERACTION=1",
		// Poetry's keyring probes D-Bus for credentials when it has none.
		"PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring",
	}, extra...)
}

func (m *model) apt(d *doc, why string, pkgs []string) {
	if len(pkgs) == 0 {
		return
	}
	d.comment(why)
	lines := []string{"apt-get update", "apt-get install --yes --no-install-recommends " + strings.Join(pkgs, " "), "rm -rf /var/lib/apt/lists/*"}
	d.run(nil, lines...)
}

// pipConf points pip at the index: pip installs Poetry, and Poetry 1.x
// builds sdists with `pip install --isolated`, which ignores PIP_INDEX_URL
// but still reads /etc/pip.conf.
func (m *model) pipConf(d *doc) {
	if m.indexURL == "" {
		return
	}
	d.comment("pip (and Poetry's sdist builds, which run `pip install --isolated`) read /etc/pip.conf.")
	conf := `[global]\nindex-url = ` + m.indexURL + `\n`
	if u, err := url.Parse(m.indexURL); err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		conf += `trusted-host = ` + u.Hostname() + `\n`
	}
	d.run(nil, "printf '"+conf+"' > /etc/pip.conf")
}

func isLoopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

func (m *model) installPoetry(d *doc, cache bool, extra ...string) {
	d.comment("Poetry " + m.poetryStr + " in a virtualenv of its own (PEP 668 forbids installing into the system Python).")
	pipFlags := "--no-cache-dir "
	var mounts []string
	if cache {
		pipFlags = ""
		mounts = []string{cachePip}
	}
	cmds := append([]string{
		"python3 -m venv " + poetryHome,
		poetryHome + "/bin/pip install " + pipFlags + "poetry==" + m.poetryStr,
	}, extra...)
	d.run(mounts, cmds...)
}

// poetryInstall runs `poetry install` with args, with the secret mounts of
// the private indexes (and cache mounts when cache is set).
func (m *model) poetryInstall(d *doc, args string, cache, creds bool) {
	var mounts, cmds []string
	if cache {
		mounts = append(mounts, cachePoetry, cachePip)
	}
	if creds {
		for _, s := range m.secrets {
			mounts = append(mounts, "type=secret,id="+s.id)
			cmds = append(cmds, fmt.Sprintf(`if [ -f /run/secrets/%s ]; then export %s="$(cat /run/secrets/%s)"; fi`, s.id, s.env, s.id))
		}
	}
	if cache {
		cmds = append(cmds, poetryBin+" install "+args)
	} else {
		// Without a cache mount, keep Poetry's cache out of the layer.
		cmds = append(cmds, "POETRY_CACHE_DIR=/tmp/poetry-cache "+poetryBin+" install "+args, "rm -rf /tmp/poetry-cache")
	}
	d.run(mounts, cmds...)
}

func groupsArg(groups []string) string {
	return "--only " + strings.Join(append([]string{"main"}, groups...), ",")
}

// copyDirectories copies the project's directory dependencies before the
// dependency layer, which installs them, unless that layer skips them
// (Recommended with Poetry 1.8 and later: --no-directory).
func (m *model) copyDirectories(d *doc) {
	if m.strategy == Recommended && m.hasNoDirectory() {
		return
	}
	first := true
	for _, dir := range m.directories {
		if !inContext(dir) {
			continue
		}
		if first {
			d.comment("Directory dependencies are installed with the other dependencies, so they come first.")
			first = false
		}
		c := path.Clean(dir)
		d.line("COPY " + c + " " + c)
	}
}

// installProject installs the project itself (its package and console
// scripts) when Poetry can: package-mode = false projects have nothing to
// install.
func (m *model) installProject(d *doc, groups []string, cache bool) {
	if !m.project.PackageMode {
		return
	}
	d.comment("The project itself, last: editing code reruns only this.")
	m.poetryInstall(d, groupsArg(groups), cache, false)
}

// singleStage writes Full, Slim and BuildKit.
func (m *model) singleStage(d *doc) {
	m.header(d)
	cache := m.strategy == BuildKit
	d.stage(m.base, "")
	d.env(m.buildEnv("POETRY_VIRTUALENVS_IN_PROJECT=true", "PATH="+appVenv+"/bin:$PATH")...)
	if m.strategy != Full {
		m.apt(d, "Compiler and headers for the dependencies built from source.", m.build)
	}
	m.pipConf(d)
	m.installPoetry(d, cache)
	d.line("WORKDIR " + appDir)
	d.comment("Dependencies first: this layer is rebuilt only when pyproject.toml or poetry.lock change.")
	d.line("COPY pyproject.toml poetry.lock ./")
	m.copyDirectories(d)
	m.poetryInstall(d, groupsArg(nil)+" --no-root", cache, true)
	d.line("COPY . .")
	m.installProject(d, nil, cache)
	d.exec("CMD", m.cmd)
}

// layered writes Layered.
func (m *model) layered(d *doc) {
	m.header(d)
	d.stage(m.builderBase, "builder", "builder installs the compiler, Poetry, the dependencies and the project.")
	d.env(m.buildEnv("POETRY_VIRTUALENVS_IN_PROJECT=true")...)
	m.apt(d, "Compiler and headers for the dependencies built from source.", m.build)
	m.pipConf(d)
	m.installPoetry(d, false)
	d.line("WORKDIR " + appDir)
	d.line("COPY pyproject.toml poetry.lock ./")
	m.copyDirectories(d)
	m.poetryInstall(d, groupsArg(nil)+" --no-root", false, true)
	d.line("COPY . .")
	m.installProject(d, nil, false)

	d.stage(m.base, "runtime", "runtime is the image: the same base, no compiler, no Poetry.")
	d.env("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "PATH="+appVenv+"/bin:$PATH")
	m.apt(d, "Shared libraries the compiled dependencies load.", m.runtime)
	d.line("WORKDIR " + appDir)
	d.comment("The virtualenv must keep its absolute path: its scripts' shebangs name " + appVenv + "/bin/python.")
	d.line("COPY --from=builder " + appDir + " " + appDir)
	d.exec("CMD", m.cmd)
}

// multistage writes Multistage.
func (m *model) multistage(d *doc) {
	m.header(d)
	d.stage(m.base, "base", "base is what production and development share.")
	d.env("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "PATH="+appVenv+"/bin:$PATH")
	m.apt(d, "Shared libraries the compiled dependencies load.", m.devRuntime)
	d.line("WORKDIR " + appDir)

	from := "base"
	if m.builderBase != m.base {
		from = m.builderBase
	}
	d.stage(from, "dependencies", "dependencies holds the main group's dependencies, built with Poetry.")
	d.env(m.buildEnv("POETRY_VIRTUALENVS_IN_PROJECT=true")...)
	if from != "base" {
		d.line("WORKDIR " + appDir)
	}
	m.apt(d, "Compiler and headers for the dependencies built from source.", m.devBuild)
	m.pipConf(d)
	m.installPoetry(d, false)
	d.line("COPY pyproject.toml poetry.lock ./")
	m.copyDirectories(d)
	m.poetryInstall(d, groupsArg(nil)+" --no-root", false, true)

	d.stage("dependencies", "development", "development is the development image: the development groups, Poetry and a compiler (--target development).")
	d.env("PATH=" + appVenv + "/bin:" + poetryHome + "/bin:$PATH")
	if len(m.devGroups) > 0 {
		m.poetryInstall(d, groupsArg(m.devGroups)+" --no-root", false, true)
	}
	d.line("COPY . .")
	m.installProject(d, m.devGroups, false)
	d.exec("CMD", m.cmd)

	d.stage("dependencies", "build", "build installs the project on top of the main group.")
	d.line("COPY . .")
	m.installProject(d, nil, false)

	d.stage("base", "production", "production is the production image, the default target: no compiler, no Poetry.")
	d.line("COPY --from=build " + appDir + " " + appDir)
	d.exec("CMD", m.cmd)
}

// recommended writes Recommended.
func (m *model) recommended(d *doc) {
	m.header(d)
	d.stage(m.builderBase, "builder", "builder builds the dependencies with a pinned Poetry into "+optVenv+".")
	d.env(m.buildEnv("VIRTUAL_ENV=" + optVenv)...)
	m.apt(d, "Compiler and headers for the dependencies built from source.", m.build)
	m.pipConf(d)
	m.installPoetry(d, true, "python3 -m venv "+optVenv)
	d.line("WORKDIR " + appDir)
	if len(m.directories) > 0 && !m.hasNoDirectory() {
		d.comment("This layer depends on pyproject.toml, poetry.lock and the directory dependencies alone.")
	} else {
		d.comment("This layer depends on pyproject.toml and poetry.lock alone.")
	}
	d.line("COPY pyproject.toml poetry.lock ./")
	m.copyDirectories(d)
	args := groupsArg(nil) + " --no-root"
	if m.hasNoDirectory() {
		args += " --no-directory"
	}
	m.poetryInstall(d, args, true, true)

	wheels := m.project.PackageMode || (m.hasNoDirectory() && len(m.directories) > 0)
	if wheels {
		about := "wheels builds the project as a wheel."
		var cmds []string
		if m.project.PackageMode {
			cmds = append(cmds, poetryBin+" build --format wheel")
		}
		if m.hasNoDirectory() && len(m.directories) > 0 {
			about = "wheels builds the project and its directory dependencies (skipped above by --no-directory) as wheels."
			for _, dir := range m.directories {
				if inContext(dir) {
					cmds = append(cmds, optVenv+"/bin/pip wheel --no-deps --no-cache-dir --wheel-dir dist "+path.Clean(dir))
				}
			}
		}
		d.stage("builder", "wheels", about)
		d.line("COPY . .")
		d.run(nil, cmds...)
	}

	d.stage(m.base, "runtime", "runtime is the image: the virtualenv and the project; no compiler, no Poetry, not root.")
	d.env("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "VIRTUAL_ENV="+optVenv, "PATH="+optVenv+"/bin:$PATH")
	m.apt(d, "Shared libraries the compiled dependencies load.", m.runtime)
	d.run(nil,
		"groupadd --system --gid "+appUID+" app",
		"useradd --system --uid "+appUID+" --gid app --home-dir "+appDir+" --no-create-home --shell /usr/sbin/nologin app")
	d.comment("The virtualenv keeps its absolute path: its scripts' shebangs name " + optVenv + "/bin/python.")
	d.line("COPY --from=builder " + optVenv + " " + optVenv)
	if wheels {
		d.run([]string{"type=bind,from=wheels,source=" + appDir + "/dist,target=/tmp/dist"},
			"pip install --no-deps --no-index --no-cache-dir /tmp/dist/*.whl")
	}
	d.line("WORKDIR " + appDir)
	d.comment("The project's files, last (for files such as configuration that the command reads).")
	d.line("COPY . .")
	d.line("USER " + appUID + ":" + appUID)
	d.exec("CMD", m.cmd)
}

// dockerignore keeps the build context to what the image needs: no VCS
// data, virtualenvs, caches, build output or local secrets.
func dockerignore(m *model) string {
	lines := []string{
		"# .dockerignore for " + m.project.Name + ", written by `canto dockerfile`.",
		"# The build context is what COPY . sees: keep it small and free of secrets.",
		".git",
		".hg",
		".venv",
		"venv",
		"**/__pycache__",
		"**/*.py[cod]",
		".pytest_cache",
		".mypy_cache",
		".ruff_cache",
		".tox",
		".nox",
		".coverage",
		"htmlcov",
		"build",
		"dist",
		"*.egg-info",
		".idea",
		".vscode",
		".env",
		".env.*",
		"Dockerfile",
		".dockerignore",
	}
	return strings.Join(lines, "\n") + "\n"
}
