#!/usr/bin/env bash
# Records the library's public API changes in src/CriuImage/PublicAPI.Unshipped.txt: builds once without
# warnings-as-errors, adds every symbol the analyzer reports as undeclared (RS0016) and drops every declared
# symbol that no longer exists (RS0017). Review the diff of the two PublicAPI files: it is the API change.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=src/CriuImage
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build "$dir/CriuImage.csproj" -c Release --no-incremental -p:TreatWarningsAsErrors=false -nologo >"$log" 2>&1 || { cat "$log"; exit 1; }
python3 - "$dir" "$log" <<'PY'
import re, sys
folder, log = sys.argv[1], open(sys.argv[2], encoding='utf-8').read()
added = set(re.findall(r"RS0016: Symbol '(.*?)' is not part of the declared public API", log))
removed = set(re.findall(r"RS0017: Symbol '(.*?)' is part of the declared API, but is either not public or could not be found", log))
for name in ('PublicAPI.Shipped.txt', 'PublicAPI.Unshipped.txt'):
    path = f'{folder}/{name}'
    lines = [l for l in open(path, encoding='utf-8').read().splitlines() if l and l not in removed]
    if name.endswith('Unshipped.txt'):
        lines += sorted(added - set(lines))
    body = [l for l in lines if l != '#nullable enable']
    open(path, 'w', encoding='utf-8').write('\n'.join(['#nullable enable'] + sorted(set(body), key=str.casefold)) + '\n')
print(f'{len(added)} added to PublicAPI.Unshipped.txt, {len(removed)} removed')
PY
