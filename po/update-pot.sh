#!/usr/bin/env bash
# Regenerates the translation template from the files in POTFILES.in.
# Usage: po/update-pot.sh [OUTPUT]   (default: po/balcony.pot)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-po/balcony.pot}
mapfile -t files < <(grep -v '^#' po/POTFILES.in | sed '/^\s*$/d')
rust=() blp=() desktop=() metainfo=() schema=()
for f in "${files[@]}"; do
  case "$f" in
    *.rs) rust+=("$f") ;;
    *.blp) blp+=("$f") ;;
    *.desktop.in.in) desktop+=("$f") ;;
    *.metainfo.xml.in.in) metainfo+=("$f") ;;
    *.gschema.xml) schema+=("$f") ;;
    *) echo "update-pot: do not know how to extract $f" >&2; exit 1 ;;
  esac
done
common=(--from-code=UTF-8 --add-comments=Translators --package-name=balcony --msgid-bugs-address=https://balcony.im/issues --sort-by-file)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Rust and Blueprint: C lexer with our gettext helpers' names as keywords.
xgettext "${common[@]}" -L C -k -kgettext -kgettext_f -kngettext_f:1,2 -kngettext:1,2 -k_ -kC_:1c,2 \
  -o "$tmp/code.pot" "${rust[@]}" "${blp[@]}" 2> >(grep -v 'unterminated character constant' >&2)
xgettext "${common[@]}" -L Desktop -k -kName -kGenericName -kComment -kKeywords -o "$tmp/desktop.pot" "${desktop[@]}"
xgettext "${common[@]}" --its=/usr/share/gettext/its/metainfo.its -o "$tmp/metainfo.pot" "${metainfo[@]}"
xgettext "${common[@]}" -o "$tmp/schema.pot" "${schema[@]}"
parts=()
for p in "$tmp"/code.pot "$tmp"/desktop.pot "$tmp"/metainfo.pot "$tmp"/schema.pot; do
  [ -s "$p" ] && parts+=("$p")
done
msgcat --use-first --sort-by-file -o "$tmp/all.pot" "${parts[@]}"
# A stable header: no creation date, so that regenerating changes nothing.
sed -e '/^"POT-Creation-Date:/d' -e 's/charset=CHARSET/charset=UTF-8/' "$tmp/all.pot" > "$out"
