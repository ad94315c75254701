# `cpack -G DEB` in a build directory configured with -DCMAKE_INSTALL_PREFIX=/usr makes a
# Debian package with the systemd units, sysusers.d/tmpfiles.d files and the example configuration.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME danemon)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "danemon maintainers <danemon@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "DANE/TLSA and TLS monitor for mail hosts: finds stale TLSA records before senders do")
# Configure with -DCMAKE_INSTALL_PREFIX=/usr so the units name /usr/bin/danemon and /etc/danemon.
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/systemd/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
