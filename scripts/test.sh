#!/usr/bin/env bash
# scripts/test.sh prepares this machine for kabinet's tests and then runs all
# of them. `make test` and .ci/run call it; CI runs it with CI=true.
#
#   1. tools    builds bin/mailpit, bin/staticcheck and bin/deadcode from the
#               tools module (tools/go.mod) unless bin/NAME.stamp shows they
#               were built from the same tools/go.mod, tools/go.sum and Go
#   2. Chromium installs Debian's chromium when it is missing and we are root
#   3. Postgres checks for a server ($KABINET_TEST_DATABASE_URL or
#               127.0.0.1:5432) or for initdb (tests then start a throwaway
#               cluster); as root it installs postgresql when neither is there
#   3b. GOST, PDF  as root installs Debian's openssl, libengine-gost-openssl
#               and poppler-utils when the GOST engine or pdftotext is missing
#   4. npm packages in e2e/ (npm ci --prefix e2e): axe-core for the
#               accessibility scans, openid-client for internal/app's
#               TestOpenIDClient (a relying party on a certified library)
#   5. go mod tidy -diff (main and tools modules), gofmt -l, staticcheck,
#      deadcode -test, go vet, then go test -race -count=1 on every package but e2e and cmd/kabinet, which
#      run without -race (flags: $GOTESTFLAGS, default -race),
#      the HTTP-level suite again on PostgreSQL, and a short run of every fuzz target
#
# Without CI=true a missing piece is reported and the tests that need it skip
# (internal/testenv.Need); with CI=true it fails the run. Every step is
# idempotent, so a second run goes straight to the tests.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
since() { # since START_MS: seconds elapsed, one decimal
	local ms=$(($(now_ms) - $1))
	printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}
say() { printf '[test] %s\n' "$*"; }
is_ci() { [[ ${CI:-} == true || ${CI:-} == 1 ]]; }
is_root() { [[ $(id -u) == 0 ]]; }

# missing WHAT HOW: fail under CI, else warn and go on.
missing() {
	if is_ci; then
		say "FAIL: $1 is missing and CI=true: $2"
		exit 1
	fi
	say "WARN: $1 is missing: $2 (tests that need it will skip; CI=true makes this fatal)"
}

# show_log FILE: the end of a step's output, after a failure.
show_log() { tail -n 30 "$1" | sed 's/^/    /'; }

apt_install() { # apt_install PACKAGE...: quiet, no prompts, no stdin
	{
		DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=300 update &&
			DEBIAN_FRONTEND=noninteractive apt-get -qq -y -o DPkg::Lock::Timeout=300 install "$@"
	} </dev/null >"$logs/apt.log" 2>&1
}

started=$(now_ms)
say "kabinet tests in $root ($(go version | cut -d' ' -f3), CI=${CI:-unset})"

# 1. tools ---------------------------------------------------------------------
# Each tool is built into bin/ from tools/go.mod. bin/NAME.stamp records what
# it was built from (the hash of tools/go.mod and tools/go.sum, and the Go
# version); a binary whose stamp differs is rebuilt, whatever its mtime.
tools_stamp=$( (cat tools/go.mod tools/go.sum && go version) | sha256sum | cut -d' ' -f1)
# build_tool NAME PACKAGE: bin/NAME up to date; false when the build fails.
build_tool() {
	local name=$1 pkg=$2 t tmp
	t=$(now_ms)
	if [[ -x bin/$name && -f bin/$name.stamp && $(cat "bin/$name.stamp") == "$tools_stamp" ]]; then
		say "$name: bin/$name is up to date ($(since "$t"))"
		return 0
	fi
	say "$name: building bin/$name from tools/go.mod"
	mkdir -p bin
	tmp="bin/.$name.$$"
	rm -f "bin/$name.stamp"
	if (cd tools && GOWORK=off go build -mod=readonly -buildvcs=false -o "../$tmp" "$pkg") >"$logs/$name.log" 2>&1; then
		mv -f "$tmp" "bin/$name" # atomic: an interrupted build never looks up to date
		echo "$tools_stamp" >"bin/$name.stamp"
		say "$name: built in $(since "$t")"
	else
		rm -f "$tmp"
		show_log "$logs/$name.log"
		return 1
	fi
}

if [[ -n ${KABINET_MAILPIT:-} ]]; then
	if [[ -x $KABINET_MAILPIT ]]; then
		say "mailpit: using \$KABINET_MAILPIT=$KABINET_MAILPIT"
	else
		missing mailpit "\$KABINET_MAILPIT=$KABINET_MAILPIT is not an executable"
	fi
elif build_tool mailpit github.com/axllent/mailpit; then
	export KABINET_MAILPIT="$root/bin/mailpit"
else
	missing mailpit "building it from tools/go.mod failed"
fi
have_staticcheck=false
if build_tool staticcheck honnef.co/go/tools/cmd/staticcheck; then
	have_staticcheck=true
else
	missing staticcheck "building it from tools/go.mod failed"
fi
have_deadcode=false
if build_tool deadcode golang.org/x/tools/cmd/deadcode; then
	have_deadcode=true
else
	missing deadcode "building it from tools/go.mod failed"
fi

# 2. Chromium -----------------------------------------------------------------
t=$(now_ms)
find_chromium() {
	if [[ -n ${KABINET_CHROMIUM:-} ]]; then
		[[ -x $KABINET_CHROMIUM ]] && echo "$KABINET_CHROMIUM"
	elif [[ -x /usr/bin/chromium ]]; then
		echo /usr/bin/chromium
	else
		command -v chromium
	fi
}
if chromium=$(find_chromium); then
	say "chromium: $chromium ($(since "$t"))"
	export KABINET_CHROMIUM="$chromium"
elif [[ -n ${KABINET_CHROMIUM:-} ]]; then
	missing Chromium "\$KABINET_CHROMIUM=$KABINET_CHROMIUM is not an executable"
elif is_root; then
	say "chromium: installing Debian's chromium package (apt-get)"
	if apt_install chromium && chromium=$(find_chromium); then
		export KABINET_CHROMIUM="$chromium"
		say "chromium: installed $chromium in $(since "$t")"
	else
		show_log "$logs/apt.log"
		missing Chromium "apt-get install chromium failed"
	fi
else
	missing Chromium "install it with: sudo apt-get install -y chromium (or set KABINET_CHROMIUM)"
fi

# 3. PostgreSQL ---------------------------------------------------------------
t=$(now_ms)
find_initdb() {
	local newest
	newest=$( (ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null || true) | sort -V | tail -n 1)
	if [[ -n $newest ]]; then echo "$newest"; else command -v initdb; fi
}
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
if [[ -n ${KABINET_TEST_DATABASE_URL:-} ]]; then
	if ! command -v pg_isready >/dev/null || pg_isready -q -t 5 -d "$KABINET_TEST_DATABASE_URL"; then
		say "postgres: using \$KABINET_TEST_DATABASE_URL ($(since "$t"))"
	else
		missing PostgreSQL "\$KABINET_TEST_DATABASE_URL does not answer"
	fi
elif port_open 127.0.0.1 5432; then
	say "postgres: server at 127.0.0.1:5432 ($(since "$t"))"
elif initdb=$(find_initdb); then
	say "postgres: nothing at 127.0.0.1:5432; tests start a throwaway cluster with $initdb"
elif is_root; then
	say "postgres: installing Debian's postgresql package (for initdb)"
	if apt_install postgresql && initdb=$(find_initdb); then
		say "postgres: installed $initdb in $(since "$t")"
	else
		show_log "$logs/apt.log"
		missing PostgreSQL "apt-get install postgresql failed"
	fi
else
	missing PostgreSQL "no server at 127.0.0.1:5432 and no initdb; install postgresql or set KABINET_TEST_DATABASE_URL"
fi

# 3b. OpenSSL's GOST engine and poppler ---------------------------------------
# The signature tests make GOST keys, certificates and CMS signatures with
# Debian's OpenSSL GOST engine (internal/esign); the letter's tests read its
# PDF back with poppler's pdftotext, pdftoppm and pdffonts (internal/letterpdf).
t=$(now_ms)
gost_engine() { openssl engine gost >/dev/null 2>&1; }
need_pkgs=()
command -v openssl >/dev/null && gost_engine || need_pkgs+=(openssl libengine-gost-openssl)
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || need_pkgs+=(poppler-utils)
if ((${#need_pkgs[@]} == 0)); then
	say "openssl gost engine, poppler: present ($(since "$t"))"
elif is_root; then
	say "installing Debian's ${need_pkgs[*]} (apt-get)"
	if apt_install "${need_pkgs[@]}" && gost_engine && command -v pdftotext >/dev/null; then
		say "installed ${need_pkgs[*]} in $(since "$t")"
	else
		show_log "$logs/apt.log"
		missing "OpenSSL GOST engine or poppler" "apt-get install ${need_pkgs[*]} failed"
	fi
else
	missing "OpenSSL GOST engine or poppler" "install them with: sudo apt-get install -y openssl libengine-gost-openssl poppler-utils"
fi

# 4. npm packages in e2e/: axe-core (accessibility scans), openid-client ------
# (TestOpenIDClient). axe.min.js, touched after each npm ci, marks the install;
# a lock file newer than it, or a package missing, installs again.
t=$(now_ms)
if [[ -f e2e/package-lock.json ]]; then
	if [[ -f e2e/node_modules/axe-core/axe.min.js && e2e/node_modules/axe-core/axe.min.js -nt e2e/package-lock.json &&
		-f e2e/node_modules/openid-client/package.json ]]; then
		say "axe-core, openid-client: up to date ($(since "$t"))"
	elif ! command -v npm >/dev/null && ! { is_root && say "e2e npm packages: installing Debian's npm (apt-get)" && apt_install npm; }; then
		missing npm "install Node.js and npm (Debian: apt-get install -y npm) for the accessibility scans and TestOpenIDClient"
	elif npm ci --prefix e2e --no-audit --no-fund --loglevel=error </dev/null >"$logs/npm.log" 2>&1; then
		touch e2e/node_modules/axe-core/axe.min.js
		say "axe-core, openid-client: installed ($(since "$t"))"
	else
		show_log "$logs/npm.log"
		missing "axe-core and openid-client" "npm ci --prefix e2e failed"
	fi
fi

# 5. Go -----------------------------------------------------------------------
t=$(now_ms)
for mod in . tools; do
	if ! (cd "$mod" && GOWORK=off go mod tidy -diff) >"$logs/tidy.log" 2>&1; then
		show_log "$logs/tidy.log"
		say "FAIL: $mod/go.mod is not tidy: run (cd $mod && go mod tidy) and commit go.mod and go.sum"
		exit 1
	fi
done
say "go mod tidy: ok ($(since "$t"))"

t=$(now_ms)
unformatted=$(gofmt -l .)
if [[ -n $unformatted ]]; then
	say "FAIL: not gofmt-ed (run gofmt -w on them):"
	echo "$unformatted" | sed 's/^/    /'
	exit 1
fi
say "gofmt: ok ($(since "$t"))"

if $have_staticcheck; then
	t=$(now_ms)
	say "staticcheck ./..."
	if ! bin/staticcheck ./... >"$logs/staticcheck.log" 2>&1; then
		sed 's/^/    /' "$logs/staticcheck.log"
		say "FAIL: staticcheck"
		exit 1
	fi
	say "staticcheck: ok ($(since "$t"))"
fi

# deadcode -test: functions that no main program and no test reaches. (Without
# -test it also lists what only tests use, such as internal/testenv.)
if $have_deadcode; then
	t=$(now_ms)
	bin/deadcode -test ./... >"$logs/deadcode.log" 2>&1 || true
	if [[ -s $logs/deadcode.log ]]; then
		sed 's/^/    /' "$logs/deadcode.log"
		say "FAIL: deadcode: remove the unreachable functions above"
		exit 1
	fi
	say "deadcode: ok ($(since "$t"))"
fi

t=$(now_ms)
say "go vet ./..."
go vet ./...
say "go vet: ok ($(since "$t"))"

t=$(now_ms)
# The race detector runs over every package but two, whose code under test
# runs outside the test binary: the browser journeys (e2e) drive Chromium
# against the same server internal/app's suite races, and cmd/kabinet runs
# the kabinet binary (built without -race) as a process. Under -race they
# only wait longer — together about six minutes of a two-core run.
flags=${GOTESTFLAGS--race}
raceless=(./e2e ./cmd/kabinet)
mapfile -t raced < <(go list ./... | grep -v -e '/e2e$' -e '/cmd/kabinet$')
# The slowest package takes minutes on two cores; the default 10-minute limit
# per package would turn a slow machine into a panic.
say "go test -count=1 -timeout 25m $flags (${#raced[@]} packages: unit, storage on SQLite and PostgreSQL, HTTP), then ${flags//-race/} ${raceless[*]} (browser, processes)"
set +e
# shellcheck disable=SC2086 # flags is a list of flags
go test -count=1 -timeout 25m $flags "${raced[@]}" 2>&1 | tee "$logs/gotest.log"
status=${PIPESTATUS[0]}
# shellcheck disable=SC2086
go test -count=1 -timeout 25m ${flags//-race/} "${raceless[@]}" 2>&1 | tee -a "$logs/gotest.log"
[[ ${PIPESTATUS[0]} == 0 ]] || status=1
set -e
passed=$(grep -c '^ok ' "$logs/gotest.log" || true)
failed=$(grep -c '^FAIL	' "$logs/gotest.log" || true)
if [[ $status != 0 ]]; then
	say "go test failed ($(since "$t"))"
	echo "packages: $passed passed, $failed failed"
	exit "$status"
fi
say "go test: ok ($(since "$t"))"

# The HTTP-level suite again, on PostgreSQL (the storage suite already runs on
# both, under the race detector). Without -race: the Go code above the store is
# the same on both engines and was just raced on SQLite; what differs is SQL,
# which the race detector does not see, and -race would triple this step.
t=$(now_ms)
say "KABINET_TEST_ENGINE=postgres go test ./internal/app/ (the HTTP-level suite on PostgreSQL)"
if KABINET_TEST_ENGINE=postgres go test -count=1 -timeout 25m ./internal/app/ 2>&1 | tee "$logs/gotest-pg.log"; [[ ${PIPESTATUS[0]} != 0 ]]; then
	echo "packages: $passed passed, 1 failed"
	exit 1
fi
passed=$((passed + 1))
say "go test on PostgreSQL: ok ($(since "$t"))"

# 6. Fuzz smoke runs: every fuzz target for a few seconds -----------------------
t=$(now_ms)
# A smoke run: shallow findings in every target on each change; long runs
# are for the target being worked on (go test -fuzz … -fuzztime 1m).
fuzztime=${KABINET_FUZZTIME:-2s}
targets=$(grep -rl --include='*_test.go' '^func Fuzz' internal | sort)
for file in $targets; do
	pkg="./$(dirname "$file")"
	for fn in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
		ok=false
		race=false
		for try in 1 2 3; do
			if go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$fuzztime" "$pkg" >"$logs/fuzz.log" 2>&1; then
				ok=true
				break
			fi
			# Go 1.26's fuzzing coordinator can report its own -fuzztime
			# deadline as a failure ("context deadline exceeded", no input to
			# blame) when the machine is loaded: golang/go#75804, fixed in Go
			# 1.27. That one is run again; a real failure, which writes the
			# failing input, is not.
			if grep -q 'Failing input written to' "$logs/fuzz.log" || ! grep -q 'context deadline exceeded' "$logs/fuzz.log"; then
				race=false
				break
			fi
			race=true
			say "fuzz: $fn ($pkg): the coordinator's deadline race (golang/go#75804) on try $try"
		done
		if ! $ok && $race; then
			# Three races in a row found nothing either: replay the seeds and
			# every saved input deterministically, which is what a finding
			# would have left behind.
			if go test -count=1 -run "^${fn}\$" "$pkg" >"$logs/fuzz.log" 2>&1; then
				ok=true
				say "fuzz: $fn ($pkg): three coordinator races and no finding; the corpus replays clean"
			fi
		fi
		if ! $ok; then
			show_log "$logs/fuzz.log"
			say "FAIL: $fn in $pkg (a failing input is saved under $pkg/testdata/fuzz/$fn)"
			exit 1
		fi
		say "fuzz: $fn ($pkg) ok"
	done
done
say "fuzz: ok ($(since "$t"))"

say "all checks passed in $(since "$started")"
echo "packages: $passed passed, 0 failed"
