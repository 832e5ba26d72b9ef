#!/usr/bin/env bash
# Installs the Debian packages the PDF report needs (xelatex with Cyrillic fonts, pandoc, poppler) and
# LibreOffice Calc without its GUI (the tests print the protocols through it), only when something is
# missing. Needs root on a fresh machine.
set -euo pipefail
pkgs=(texlive-xetex texlive-fonts-recommended texlive-plain-generic texlive-lang-cyrillic
      fonts-dejavu-core pandoc poppler-utils libreoffice-calc-nogui)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Устанавливаю пакеты Debian: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
