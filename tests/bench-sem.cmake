# bench.sem_smoke: the semaphore benchmark (prshm_bench_sem) runs to the
# end. A --quick run must exit 0, write nothing to stderr, and print
# prshm's row in every workload; its timings are never checked.
#
# Included by tests/CMakeLists.txt, this file registers the test; run with
# `cmake -P`, it runs the benchmark and checks the output (CTest's
# PASS_REGULAR_EXPRESSION would ignore the exit code). Label novalgrind: it
# loads NSPR and forks ping-pong partners, and checks nothing the unit
# tests do not already check under memcheck.
if(NOT CMAKE_SCRIPT_MODE_FILE)
  if(PRSHM_BENCH AND NOT WIN32 AND EXISTS ${PROJECT_SOURCE_DIR}/bench/sem_main.c)
    add_test(NAME bench.sem_smoke
      COMMAND ${CMAKE_COMMAND} -DPRSHM_BENCH_SEM_EXE=$<TARGET_FILE:prshm_bench_sem>
              -P ${CMAKE_CURRENT_LIST_FILE})
    set_tests_properties(bench.sem_smoke PROPERTIES LABELS "bench;novalgrind"
      TIMEOUT ${PRSHM_TEST_TIMEOUT})
  endif()
  return()
endif()

execute_process(COMMAND ${PRSHM_BENCH_SEM_EXE} --quick
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "prshm_bench_sem --quick exited with ${rc}")
endif()
if(NOT err STREQUAL "")
  message(FATAL_ERROR "prshm_bench_sem --quick wrote to stderr")
endif()
foreach(workload post\\+wait ping-pong open\\+close create\\+delete lock\\+unlock)
  if(NOT out MATCHES "\n${workload}: [0-9]+ batches[^\n]*\n[^\n]*\n([^\n]*\n)*  prshm +[0-9.]+ ")
    message(FATAL_ERROR "prshm_bench_sem --quick printed no prshm row for ${workload}")
  endif()
endforeach()
