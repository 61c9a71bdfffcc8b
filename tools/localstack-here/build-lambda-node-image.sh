#!/usr/bin/env bash
# Builds a stand-in for public.ecr.aws/lambda/nodejs:20 the way build-lambda-image.sh builds the python3.12 one,
# without any image registry: a Debian bookworm rootfs (debootstrap, Debian's mirror) + this machine's Node.js 20
# copied to /var/lang/bin + aws-lambda-ric and the AWS SDK for JavaScript v3 from npm in /var/runtime/node_modules
# (taken from the project's runtime cache, where the harness builds them: aws-lambda-ric compiles native code)
# + an AWS-like /var/runtime/index.mjs and /var/runtime/bootstrap; `docker import`ed and pushed to a registry on
# 127.0.0.1:5000 (LocalStack pulls the runtime image before each function is Active).
# usage: build-lambda-node-image.sh ROOTFS_DIR IMAGE_REF [RUNTIME_CACHE_ENTRY]
#   RUNTIME_CACHE_ENTRY: a folder holding node_modules/aws-lambda-ric (built) and the SDK clients; default the
#   harness's ~/.cache/db-api-harness/runtimes/node-ric3.3.0-sdk3.1169.0 (made by the first nodejs20.x invoke
#   on the embedded stack, e.g. `harness run --code-dir handler-node --runtime nodejs20.x`).
# Left out: Amazon Linux's own libraries, the layers' /opt (LocalStack mounts them), the JSON log format.
set -euo pipefail
ROOTFS=${1:?rootfs dir}; IMAGE=${2:?image ref, e.g. localhost:5000/lambda:nodejs20.x}
RIC=${3:-${HARNESS_RUNTIME_CACHE:-$HOME/.cache/db-api-harness/runtimes}/node-ric3.3.0-sdk3.1169.0}
NODE=${NODE20:-$(command -v node || true)}
[[ -n $NODE && $("$NODE" --version) == v20.* ]] || { echo "no Node.js 20 (set NODE20 to its node binary)" >&2; exit 1; }
ls "$RIC"/node_modules/aws-lambda-ric/dist/rapid-client.node "$RIC"/node_modules/@aws-sdk/lib-dynamodb/package.json >/dev/null \
  || { echo "no built aws-lambda-ric + AWS SDK v3 in $RIC (run a nodejs20.x function on the embedded stack once)" >&2; exit 1; }
if [[ ! -x $ROOTFS/usr/bin/env || ! -e $ROOTFS/usr/lib/x86_64-linux-gnu/libstdc++.so.6 ]]; then
  echo "[image] debootstrap bookworm (minbase) into $ROOTFS"
  rm -rf "$ROOTFS"
  debootstrap --variant=minbase --include=ca-certificates,libstdc++6 bookworm "$ROOTFS" http://deb.debian.org/debian \
    >"$ROOTFS.debootstrap.log" 2>&1 || { echo "debootstrap failed, see $ROOTFS.debootstrap.log" >&2; exit 1; }
else
  echo "[image] rootfs $ROOTFS already there"
fi
echo "[image] Node.js $("$NODE" --version) ($NODE) -> /var/lang/bin/node"
mkdir -p "$ROOTFS/var/lang/bin" "$ROOTFS/var/runtime" "$ROOTFS/var/task" "$ROOTFS/opt" "$ROOTFS/var/rapid"
install -m 755 "$(readlink -f "$NODE")" "$ROOTFS/var/lang/bin/node"
echo "[image] aws-lambda-ric $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$RIC/node_modules/aws-lambda-ric/package.json" | head -1) + AWS SDK v3 from $RIC -> /var/runtime/node_modules"
rm -rf "$ROOTFS/var/runtime/node_modules"
cp -a "$RIC/node_modules" "$ROOTFS/var/runtime/node_modules"
# Lambda's /var/runtime/index.mjs: the client's loop on the task root and the handler (3.x's bin/index.mjs
# also prints an `Executing ...` line that Lambda's runtime does not)
cat > "$ROOTFS/var/runtime/index.mjs" <<'M'
import { run } from './node_modules/aws-lambda-ric/dist/index.mjs';
await run(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER);
M
cat > "$ROOTFS/var/runtime/bootstrap" <<'B'
#!/bin/sh
# like the AWS nodejs20.x image's bootstrap: Lambda's NODE_PATH and flags, the heap at 90% of the memory size
export AWS_EXECUTION_ENV=${AWS_EXECUTION_ENV:-AWS_Lambda_nodejs20.x}
export NODE_PATH="/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task"
HEAP=$(( ${AWS_LAMBDA_FUNCTION_MEMORY_SIZE:-128} * 9 / 10 ))
exec /var/lang/bin/node --expose-gc --max-http-header-size 81920 --max-old-space-size=$HEAP /var/runtime/index.mjs
B
chmod 755 "$ROOTFS/var/runtime/bootstrap"
echo "[image] docker import -> $IMAGE"
tar -C "$ROOTFS" -c . | docker import \
  --change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib' \
  --change 'ENV LANG=en_US.UTF-8' --change 'ENV TZ=:/etc/localtime' \
  --change 'ENV LAMBDA_TASK_ROOT=/var/task' --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
  --change 'WORKDIR /var/task' --change 'ENTRYPOINT ["/var/rapid/init"]' - "$IMAGE" >/dev/null
# checked in a container (node needs /proc, which a bare chroot lacks; the native client reads AWS_LAMBDA_RUNTIME_API when loaded)
docker run --rm --entrypoint /var/lang/bin/node -e NODE_PATH=/var/runtime/node_modules -e AWS_LAMBDA_RUNTIME_API=127.0.0.1:9 "$IMAGE" -e \
  "require('@aws-sdk/lib-dynamodb'); require('/var/runtime/node_modules/aws-lambda-ric/dist/rapid-client.node'); console.log('[image] node', process.version, 'with aws-lambda-ric and the AWS SDK v3')"
docker push -q "$IMAGE"
