# bench.smoke: the benchmark runs to the end. A --quick run (a few batches,
# 1000 live segments) must exit 0 and print every row of its tables; its
# timings are never checked, since speed is never judged by a timed test.
#
# This file has two roles. Included by tests/CMakeLists.txt, it registers
# the test. Run with `cmake -P` (which is what the test does), it runs the
# benchmark and checks the output: CTest's PASS_REGULAR_EXPRESSION would
# ignore the exit code, so a crash or a sanitizer report after the table
# would pass unseen.
#
# Label novalgrind: the run maps 64 MiB segments and opens 1000 live
# segments, which takes minutes under memcheck and checks nothing the unit
# tests do not already check there.
if(NOT CMAKE_SCRIPT_MODE_FILE)
  if(PRSHM_BENCH AND NOT WIN32 AND EXISTS ${PROJECT_SOURCE_DIR}/bench/CMakeLists.txt)
    add_test(NAME bench.smoke
      COMMAND ${CMAKE_COMMAND} -DPRSHM_BENCH_EXE=$<TARGET_FILE:prshm_bench>
              -P ${CMAKE_CURRENT_LIST_FILE})
    set_tests_properties(bench.smoke PROPERTIES LABELS "bench;novalgrind"
      TIMEOUT ${PRSHM_TEST_TIMEOUT})
  endif()
  return()
endif()

execute_process(COMMAND ${PRSHM_BENCH_EXE} --quick
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "prshm_bench --quick exited with ${rc}")
endif()
# Every workload's row, the live table's prshm row, and the final line.
foreach(row "open +4 KiB +prshm" "open\\+touch +4 KiB +prshm" "open +64 MiB +prshm"
            "open\\+touch +64 MiB +prshm" "create +4 KiB +prshm" "create\\+touch +4 KiB +prshm"
            "create +64 MiB +prshm" "create\\+touch +64 MiB +prshm" "\nprshm +[0-9]+ +[0-9]+"
            "bench: done, 9 measurements complete")
  if(NOT out MATCHES "${row}")
    message(FATAL_ERROR "prshm_bench --quick printed no row matching '${row}'")
  endif()
endforeach()
if(NOT err STREQUAL "")
  message(FATAL_ERROR "prshm_bench --quick wrote to stderr")
endif()
