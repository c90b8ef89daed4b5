#!/usr/bin/env bash
# Builds the libFuzzer targets into .build-fuzz/fuzz/bin (see fuzz/README.md for why this way).
#
# SwiftPM cannot build a fuzzer here without a Package.swift product, so: SwiftPM builds only
# swift-crypto (release, uninstrumented: it is not what we fuzz) into its own scratch path, then
# swiftc compiles TollgateCore with coverage and ASan into a static library, and links each target
# from the shared checks (Tests/TollgateCoreTests/FuzzCorpusReplayTests.swift) and its entry point.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}
SCRATCH=.build-fuzz
OUT=$SCRATCH/fuzz
TARGETS=${*:-sse action-json diff sanitizer theme config masker policy}

"$SWIFT" build -c release --scratch-path "$SCRATCH" --target Crypto >/dev/null

CRYPTO_SOURCES=$SCRATCH/checkouts/swift-crypto/Sources
mkdir -p "$OUT/modules" "$OUT/bin"
common=(-O -swift-version 6 -sanitize=fuzzer,address -parse-as-library
        -I "$SCRATCH/release/Modules" -I "$OUT/modules"
        -Xcc -I"$CRYPTO_SOURCES/CCryptoBoringSSL/include" -Xcc -I"$CRYPTO_SOURCES/CCryptoBoringSSLShims/include")

echo "fuzz: compiling TollgateCore (coverage + ASan)"
mapfile -t core < <(find Sources/TollgateCore -name '*.swift' | sort)
"$SWIFTC" "${common[@]}" -module-name TollgateCore -emit-module -emit-module-path "$OUT/modules/TollgateCore.swiftmodule" \
    -emit-library -static -o "$OUT/libTollgateCore.a" "${core[@]}"

mapfile -t crypto_objects < <(find "$SCRATCH/release/"{Crypto,CryptoBoringWrapper,CCryptoBoringSSL,CCryptoBoringSSLShims}.build -name '*.o' | sort)
for target in $TARGETS; do
    extra=()
    # The server's own config readers import only Foundation and TollgateCore, so they compile in
    # without linking Hummingbird and NIO.
    [[ $target == config ]] && extra=(Sources/TollgateServer/Config/ServerConfiguration.swift Sources/TollgateServer/Config/TokenRegistry.swift)
    echo "fuzz: linking fuzz-$target"
    "$SWIFTC" "${common[@]}" -D TOLLGATE_FUZZ -module-name FuzzTarget -o "$OUT/bin/fuzz-$target" \
        Tests/TollgateCoreTests/FuzzCorpusReplayTests.swift fuzz/FuzzEntry.swift "fuzz/Targets/$target.swift" "${extra[@]}" \
        "$OUT/libTollgateCore.a" "${crypto_objects[@]}" -lstdc++ \
        2> >(grep -v "Cannot export local symbol '__asan" >&2)
done
