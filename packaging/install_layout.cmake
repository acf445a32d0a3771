# Run by `cmake --install` and CPack (install(SCRIPT) in
# packaging/CMakeLists.txt), when the install prefix is known: writes the
# installed server.ini and the systemd unit with that prefix's paths.
# From install(CODE): CHAT_SOURCE_DIR, CHAT_BINARY_DIR, CHAT_DATADIR.
#
# Prefix /usr (the Debian package) puts the config in /etc, the unit in
# /lib/systemd/system and the database in /var/lib/chat-actors; any other
# prefix keeps all three under it.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(etc "/etc")
  set(unit_dir "/lib/systemd/system")
  set(state_dir "/var/lib/chat-actors")
else()
  set(etc "${prefix}/etc")
  set(unit_dir "${prefix}/lib/systemd/system")
  set(state_dir "${prefix}/var/lib/chat-actors")
endif()
set(staging "${CHAT_BINARY_DIR}/packaging/staged")
file(MAKE_DIRECTORY "${staging}")

# server.ini: config/server.ini (every key at its default) with the two
# paths that must point at the installed files, so the installed server
# finds its web client and a writable database without editing anything.
file(READ "${CHAT_SOURCE_DIR}/config/server.ini" ini)
string(REGEX REPLACE "\nweb_root = [^;\n]*; [^\n]*" "\nweb_root = ${prefix}/${CHAT_DATADIR}/chat-actors/web ; the installed browser client" ini "${ini}")
string(REGEX REPLACE "\npath = [^;\n]*; [^\n]*" "\npath = ${state_dir}/chat.db ; SQLite file, created on first start" ini "${ini}")
if(NOT ini MATCHES "web_root = ${prefix}" OR NOT ini MATCHES "path = ${state_dir}")
  message(FATAL_ERROR "config/server.ini no longer has the web_root and path lines this script rewrites")
endif()
file(WRITE "${staging}/server.ini" "; Installed by chat-actors for ${prefix}: web_root and [storage] path point\n; at the installed web client and the service's state folder.\n${ini}")

set(BIN "${prefix}/bin")
set(ETC "${etc}")
set(DATA "${prefix}/${CHAT_DATADIR}")
configure_file("${CHAT_SOURCE_DIR}/packaging/chat-actors.service.in" "${staging}/chat-actors.service" @ONLY)

# An upgrade keeps an edited server.ini: dpkg asks (a conffile); a plain
# `cmake --install` over an existing one leaves it and installs the new
# default next to it.
if(EXISTS "$ENV{DESTDIR}${etc}/chat-actors/server.ini")
  file(INSTALL "${staging}/server.ini" DESTINATION "${etc}/chat-actors" RENAME "server.ini.default")
else()
  file(INSTALL "${staging}/server.ini" DESTINATION "${etc}/chat-actors")
endif()
file(INSTALL "${staging}/chat-actors.service" DESTINATION "${unit_dir}")
