# As the official postgres image's Dockerfile does: the en_US.UTF-8 locale its LANG names, so that initdb
# makes a UTF8 cluster (without it, initdb in a root filesystem with no locale falls back to SQL_ASCII).
localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8
