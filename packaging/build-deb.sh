#!/usr/bin/env bash
# Builds tollgate_<version>_<arch>.deb from an already-built release binary, without network.
#
# Usage: packaging/build-deb.sh BIN VERSION OUTDIR
#
# The tree is laid out by the Makefile's install-files rule under /usr (so the package holds
# exactly what `make install` installs, stripped), then moved to where Debian expects it; the
# control file is made by dpkg-gencontrol with Depends from dpkg-shlibdeps, as debhelper would.
set -euo pipefail
bin=${1:?usage: build-deb.sh BIN VERSION OUTDIR}
version=${2:?usage: build-deb.sh BIN VERSION OUTDIR}
outdir=${3:?usage: build-deb.sh BIN VERSION OUTDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
debian=$root/packaging/debian
case $outdir in /*) ;; *) outdir=$PWD/$outdir ;; esac
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac

work=$outdir/work
stage=$work/tollgate
rm -rf "$work"
mkdir -p "$stage" "$work/debian"
umask 022

# The changelog names the package's version; the binary must say the same one.
changelog_version=$(dpkg-parsechangelog -l "$debian/changelog" -S Version)
if [ "$changelog_version" != "$version" ]; then
    echo "build-deb: packaging/debian/changelog is at $changelog_version but tollgate is $version: add a changelog entry" >&2
    exit 1
fi

make -s -C "$root" install-files BIN="$bin" DESTDIR="$stage" PREFIX=/usr

# What dh_strip also drops: the compilers' version strings.
strip --remove-section=.comment --remove-section=.note "$stage/usr/bin/tollgate"

# Debian's zsh reads vendor completions from vendor-completions (site-functions is the admin's).
mkdir -p "$stage/usr/share/zsh/vendor-completions"
mv "$stage/usr/share/zsh/site-functions/_tollgate" "$stage/usr/share/zsh/vendor-completions/_tollgate"
rmdir "$stage/usr/share/zsh/site-functions"
# bash-completion sources the file; a #! line only misleads (lintian: bash-completion-with-hashbang).
sed -i '1{/^#!/d}' "$stage/usr/share/bash-completion/completions/tollgate"
gzip -9n "$stage/usr/share/man/man1/tollgate.1"

doc=$stage/usr/share/doc/tollgate
install -d "$doc/examples"
install -m 0644 "$debian/copyright" "$doc/copyright"
install -d "$stage/usr/share/lintian/overrides"
install -m 0644 "$debian/lintian-overrides" "$stage/usr/share/lintian/overrides/tollgate"
gzip -9nc "$debian/changelog" >"$doc/changelog.gz"
install -m 0644 "$root/docs/examples/server.toml" "$doc/examples/server.toml"

# The sample configuration, with the database and tokens file where the unit's folders are.
install -d "$stage/etc/tollgate"
sed -e 's|^# db = "/var/lib/tollgate/server.sqlite"|db = "/var/lib/tollgate/server.sqlite"|' \
    -e 's|^# tokens = "/etc/tollgate/tokens.toml"|tokens = "/etc/tollgate/tokens.toml"|' \
    "$root/docs/examples/server.toml" >"$stage/etc/tollgate/server.toml"
for key in 'db = "/var/lib/tollgate/server.sqlite"' 'tokens = "/etc/tollgate/tokens.toml"'; do
    grep -qx "$key" "$stage/etc/tollgate/server.toml" || {
        echo "build-deb: docs/examples/server.toml no longer has the commented '$key' line the package uncomments" >&2
        exit 1
    }
done
chmod 0644 "$stage/etc/tollgate/server.toml"

install -d "$stage/lib/systemd/system"
install -m 0644 "$debian/tollgate-serve.service" "$stage/lib/systemd/system/tollgate-serve.service"

install -d "$stage/DEBIAN"
for script in postinst prerm postrm; do install -m 0755 "$debian/$script" "$stage/DEBIAN/$script"; done
(cd "$stage" && find etc -type f | sed 's|^|/|' | sort) >"$stage/DEBIAN/conffiles"

# dpkg-shlibdeps and dpkg-gencontrol work from a source tree's debian/ folder: lend them one.
cp "$debian/control" "$debian/changelog" "$work/debian/"
(
    cd "$work"
    dpkg-shlibdeps -Tdebian/substvars -e"$stage/usr/bin/tollgate"
    dpkg-gencontrol -ptollgate -P"$stage" -Tdebian/substvars -fdebian/files
)
(cd "$stage" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums" "$stage/DEBIAN/conffiles"

arch=$(dpkg --print-architecture)
deb=$outdir/tollgate_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "build-deb: $deb ($(du -h "$deb" | cut -f1)), Depends: $(dpkg-deb -f "$deb" Depends)"
