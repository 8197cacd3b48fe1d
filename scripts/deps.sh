#!/bin/sh
# Installs the Debian packages asynclab needs, and only those that are missing.
# Libraries are detected through pkg-config, tools through the PATH, so a
# machine that has everything runs no apt-get at all.
set -eu

missing=""
need_pc() { # pkg-config module, Debian package
	pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_bin() { # command, Debian package
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need_file() { # path, Debian package
	[ -e "$1" ] || missing="$missing $2"
}

need_bin pkg-config pkg-config
if command -v pkg-config >/dev/null 2>&1; then
	need_pc sdl2 libsdl2-dev
	need_pc SDL2_ttf libsdl2-ttf-dev
	need_pc SDL2_image libsdl2-image-dev
	# Xlib's headers, for the window's one error handler (viz/viz_x11.c);
	# libsdl2-dev brings them, said here all the same
	need_pc x11 libx11-dev
	need_pc libevent libevent-dev
	need_pc cmocka libcmocka-dev
	need_pc yaml-0.1 libyaml-dev
	# the uring model's real backend: io_uring through liburing
	need_pc liburing liburing-dev
else
	missing="$missing libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libx11-dev libevent-dev libcmocka-dev libyaml-dev liburing-dev"
fi
need_bin cc gcc
need_bin make make
need_bin Xvfb xvfb
need_bin xvfb-run xvfb
# the real backend's tests and benchmarks: another HTTP server for
# --target, and ab for the loopback throughput comparison
need_file /usr/sbin/nginx nginx-light
need_bin ab apache2-utils
# calibrate --python and the CPython crawlers of make bench: Debian's own
# interpreter, whatever else is first on the PATH
need_file /usr/bin/python3 python3
# make bench's side-by-side with SimPy 3 (bench/bench_simpy.sh)
need_file /usr/lib/python3/dist-packages/simpy/__init__.py python3-simpy3
# sweep --emit's job list is run by GNU parallel in tests/e2e_emit.sh
need_bin parallel parallel
# the viewer's tests drive a real window under Xvfb and read it back
need_bin xdotool xdotool
need_bin xwd x11-apps
# clang only recommends its runtimes; libFuzzer needs them
need_bin clang "clang libclang-rt-14-dev"
need_file /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core
# asynclab tour --lang zh: Chinese captions drawn as text, not boxes
need_file /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc fonts-noto-cjk
# libFuzzer and the sanitizer runtimes for clang
if command -v clang >/dev/null 2>&1; then
	rt=$(clang -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-x86_64.a
	need_file "$rt" libclang-rt-14-dev
fi

[ -n "$missing" ] || exit 0
# shellcheck disable=SC2086
set -- $(printf '%s\n' $missing | sort -u)
echo "deps: installing $*" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Packages that ship a service (nginx) must not start it: the tests start
# their own, on their own port.  policy-rc.d's 101 says "not now".
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy" &&
		made_policy=1
fi
status=0
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
	status=$?
[ -z "$made_policy" ] || $SUDO rm -f "$policy"
exit $status
