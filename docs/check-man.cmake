# Formats one man page with every groff warning on; any warning or error
# fails. Usage: cmake -DGROFF=groff -DPAGE=page.1 -P check-man.cmake
execute_process(COMMAND ${GROFF} -man -ww -z -Tutf8 ${PAGE}
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
  message(FATAL_ERROR "${PAGE} does not format cleanly (${rc}):\n${err}")
endif()
message(STATUS "${PAGE}: formats cleanly")
