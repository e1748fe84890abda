# prshm_soak (tests/soak.c): N processes doing mixed operations on a shared
# set of names, checking every byte they read. The long run is
#   build/tests/prshm_soak            (8 processes, 60 s; -t, -p to change)
# and CTest runs it for 5 s.
if(NOT WIN32)
  add_executable(prshm_soak ${CMAKE_CURRENT_SOURCE_DIR}/soak.c)
  target_link_libraries(prshm_soak PRIVATE prshm_internal)
  target_compile_definitions(prshm_soak PRIVATE _POSIX_C_SOURCE=200809L)
  set(soak_args -t 5 -q)
  add_test(NAME soak.short COMMAND prshm_soak ${soak_args})
  set_tests_properties(soak.short PROPERTIES LABELS soak TIMEOUT 300)
endif()
