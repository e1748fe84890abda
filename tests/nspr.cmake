# The NSPR companion library, libprshm-nspr (built when NSPR is found; see
# cmake/companion.cmake). Without it (no NSPR, Windows, a 32-bit build on a
# 64-bit system) there is nothing here to test.
if(NOT PRSHM_HAVE_COMPANION)
  return()
endif()

# nspr_state: the companion inside the suite (so under the sanitizers and
# valgrind too), built like a program of its users: its headers and NSPR's,
# its static library and libnspr4. One CTest test per TEST(name), as in
# tests/CMakeLists.txt.
set(nspr_state_src ${CMAKE_CURRENT_SOURCE_DIR}/nspr/nspr_state.c)
add_executable(test_nspr_state ${nspr_state_src} runner.c proc_unix.c)
target_link_libraries(test_nspr_state PRIVATE prshm_nspr_static)
target_include_directories(test_nspr_state PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(test_nspr_state PRIVATE _POSIX_C_SOURCE=200809L)
file(STRINGS ${nspr_state_src} nspr_state_lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
foreach(line ${nspr_state_lines})
  string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
  add_test(NAME nspr_state.${case} COMMAND test_nspr_state ${case})
  set_tests_properties(nspr_state.${case} PROPERTIES SKIP_RETURN_CODE 77
    TIMEOUT ${PRSHM_TEST_TIMEOUT} LABELS nspr_state)
endforeach()

# Real NSPR programs built against an installed prshm and its companion
# (tests/nspr/check-nspr.sh says what each mode proves). nspr.install
# installs into build/nspr-check/prefix beside a copy of NSPR's headers;
# the other modes use that prefix. They compile whole programs: not
# memory-checking targets.
if(NOT CMAKE_CROSSCOMPILING)
  set(nspr_check ${CMAKE_CURRENT_SOURCE_DIR}/nspr/check-nspr.sh)
  foreach(mode install symbols pkgconfig makefile cmake preload mixing standalone)
    add_test(NAME nspr.${mode} COMMAND ${nspr_check} ${mode} ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
    set_tests_properties(nspr.${mode} PROPERTIES LABELS "nspr;install;novalgrind;nosan" TIMEOUT 300)
    if(mode STREQUAL "install")
      set_tests_properties(nspr.${mode} PROPERTIES FIXTURES_SETUP prshm_nspr_prefix)
    else()
      set_tests_properties(nspr.${mode} PROPERTIES FIXTURES_REQUIRED prshm_nspr_prefix)
    endif()
  endforeach()
endif()
