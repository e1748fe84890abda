# Installs the build into a scratch prefix and builds a consumer against it
# with pkg-config, as C++, and with find_package(prshm) (tests/install/).
if(NOT WIN32 AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME install.pkgconfig_cxx_find_package
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/install/check-install.sh ${PROJECT_BINARY_DIR}
            ${PROJECT_SOURCE_DIR})
  # It compiles whole projects: not a memory-checking target.
  set_tests_properties(install.pkgconfig_cxx_find_package PROPERTIES
    LABELS "install;novalgrind;nosan" TIMEOUT 300)
endif()
