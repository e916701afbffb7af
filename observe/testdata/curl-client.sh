#!/bin/sh
# A Knox client as a shell script with curl, as a quick integration script
# might be written: it leaves retries to curl (--retry with
# --retry-all-errors), which resends the very same request after any error,
# 400s and 4002250 included. node signs the JWTs (knoxjwt.js). Broken on
# purpose: the observe tests expect it to be caught.
set -u
here=$(dirname "$0")
calls=${1:-6}
retry="--retry 1 --retry-all-errors --retry-delay 1 --fail --silent --show-error"

pub=$(node "$here/knoxjwt.js" publicKey)
cijwt=$(node "$here/knoxjwt.js" clientIdentifier "$KNOX_CLIENT_IDENTIFIER")
body=$(printf '{"clientIdentifierJwt":"%s","base64EncodedStringPublicKey":"%s","validityForAccessTokenInMinutes":30}' "$cijwt" "$pub")
answer=$(curl $retry -H 'Accept: application/json' -H 'Content-Type: application/json' \
	-d "$body" "$KNOX_BASE_URL/ams/v1/users/accesstoken") || { echo "no access token"; exit 1; }
token=$(printf '%s' "$answer" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).accessToken))')

status=0
i=0
while [ "$i" -lt "$calls" ]; do
	api=$(node "$here/knoxjwt.js" accessToken "$token")
	if curl $retry -o /dev/null -H 'Accept: application/json' -H "x-knox-apitoken: $api" \
		"$KNOX_BASE_URL/kcs/v1/kme/devices/list?pageNum=$((i % 3))"; then
		echo "call $((i + 1)): ok"
	else
		echo "call $((i + 1)): failed"
		status=1
	fi
	i=$((i + 1))
done
exit $status
