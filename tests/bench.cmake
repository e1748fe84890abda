# bench.smoke: the benchmark runs to the end. A --quick run (a few batches,
# 300 live segments) must exit 0 and print every row of its tables, for
# prshm and for every library the build found (the peers are optional: the
# run lists its libraries, and each listed one must have its rows); its
# timings are never checked, since speed is never judged by a timed test.
# Then --exercise, which scripts/bench.sh --syscalls runs under strace,
# must run one library alone.
#
# This file has two roles. Included by tests/CMakeLists.txt, it registers
# the test. Run with `cmake -P` (which is what the test does), it runs the
# benchmark and checks the output: CTest's PASS_REGULAR_EXPRESSION would
# ignore the exit code, so a crash or a sanitizer report after the table
# would pass unseen.
#
# Label novalgrind: the run maps 64 MiB segments and opens hundreds of live
# segments in several libraries, which takes minutes under memcheck and
# checks nothing the unit tests do not already check there.
#
# Its timeout is three times a case's: every participant (13 with the peers
# and the floors of creation) writes every page of 64 MiB segments four
# times, about 27 s of CPU time in a normal build and 100 s under
# ThreadSanitizer, and on a machine shared with other work the wall clock
# runs two to three times that (106 s of a normal build's 120 s measured).
if(NOT CMAKE_SCRIPT_MODE_FILE)
  if(PRSHM_BENCH AND NOT WIN32 AND EXISTS ${PROJECT_SOURCE_DIR}/bench/CMakeLists.txt)
    add_test(NAME bench.smoke
      COMMAND ${CMAKE_COMMAND} -DPRSHM_BENCH_EXE=$<TARGET_FILE:prshm_bench>
              -P ${CMAKE_CURRENT_LIST_FILE})
    math(EXPR bench_smoke_timeout "${PRSHM_TEST_TIMEOUT} * 3")
    set_tests_properties(bench.smoke PROPERTIES LABELS "bench;novalgrind"
      TIMEOUT ${bench_smoke_timeout})
  endif()
  return()
endif()

execute_process(COMMAND ${PRSHM_BENCH_EXE} --quick
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "prshm_bench --quick exited with ${rc}")
endif()
if(NOT err STREQUAL "")
  message(FATAL_ERROR "prshm_bench --quick wrote to stderr")
endif()

# prshm's row in every workload, its live row, the versus table, the
# targets (each with its ceiling), the end.
set(rows "open +4 KiB +prshm" "open\\+touch +4 KiB +prshm" "open +64 MiB +prshm"
         "open\\+touch +64 MiB +prshm" "create +4 KiB +prshm" "create\\+touch +4 KiB +prshm"
         "create +64 MiB +prshm" "create\\+touch +64 MiB +prshm" "first-touch +16 MiB +prshm"
         "first-touch +16 MiB +anon" "\nprshm +[0-9]+ +[0-9]+" "\nprshm against each library"
         "\nTargets and floors" "\nopen +4 KiB +prshm / raw +[0-9.]+ \\([0-9.]+-[0-9.]+\\) +1\\.05 "
         "\ncreate\\+touch +4 KiB +prshm / raw +[0-9.]+ \\([0-9.]+-[0-9.]+\\) +1\\.20 "
         "bench: done, 10 measurements complete")
# Every library the run lists: a create row (anon: first touch), a live row.
if(NOT out MATCHES "\nlibraries:([^\n]*)")
  message(FATAL_ERROR "prshm_bench --quick listed no libraries")
endif()
string(REGEX REPLACE "^ +" "" libs "${CMAKE_MATCH_1}")
string(REPLACE " " ";" libs "${libs}")
foreach(lib ${libs})
  if(lib MATCHES "^anon")
    list(APPEND rows "\nfirst-touch +16 MiB +${lib} ")
  elseif(lib MATCHES "^(floor|floor-proc|prshm-proc|mode-step|reserve-step|atomic-step)$")
    # The floors of creation, their steps and prshm's route before Linux 6.10 take part
    # in the create workloads only, each with its row in the targets.
    list(APPEND rows "\ncreate +4 KiB +${lib} +[0-9]+ " "\ncreate +4 KiB +${lib} / ")
  else()
    list(APPEND rows "\ncreate +4 KiB +${lib} +[0-9]+ " "\n${lib} +[0-9]+ +[0-9]+")
  endif()
endforeach()
list(FIND libs floor floor_index)
if(floor_index GREATER -1)
  list(APPEND rows "\ncreate +4 KiB +prshm / floor +[0-9.]+ \\([0-9.]+-[0-9.]+\\) +1\\.05 ")
endif()
foreach(row ${rows})
  if(NOT out MATCHES "${row}")
    message(FATAL_ERROR "prshm_bench --quick printed no row matching '${row}'")
  endif()
endforeach()

execute_process(COMMAND ${PRSHM_BENCH_EXE} --exercise prshm --iters 3 --only =create --size 4K
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "" OR NOT err STREQUAL "")
  message(FATAL_ERROR "prshm_bench --exercise exited with ${rc}: ${out}${err}")
endif()
