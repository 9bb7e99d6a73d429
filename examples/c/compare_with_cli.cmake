# Runs check_book_c and `billcheck check --format json` on the same book (and
# invoice) from the same folder and fails unless their outputs are the same bytes.
#   cmake -DCHECK_BOOK=... -DBILLCHECK=... -DBOOK=... [-DINVOICE=...] -DWORKDIR=... -P compare_with_cli.cmake
set(c_args ${BOOK})
set(cli_args check ${BOOK} --format json)
if(INVOICE)
  list(APPEND c_args ${INVOICE})
  list(APPEND cli_args --invoice ${INVOICE})
endif()
execute_process(COMMAND ${CHECK_BOOK} ${c_args} WORKING_DIRECTORY ${WORKDIR}
  OUTPUT_VARIABLE c_out ERROR_VARIABLE c_err RESULT_VARIABLE c_status)
execute_process(COMMAND ${BILLCHECK} ${cli_args} WORKING_DIRECTORY ${WORKDIR}
  OUTPUT_VARIABLE cli_out ERROR_VARIABLE cli_err RESULT_VARIABLE cli_status)
if(NOT c_status EQUAL 0)
  message(FATAL_ERROR "check_book_c ${c_args} exited ${c_status}:\n${c_err}")
endif()
# The CLI exits 1 when it finds errors; 2 would mean it printed no report.
if(NOT (cli_status EQUAL 0 OR cli_status EQUAL 1))
  message(FATAL_ERROR "billcheck ${cli_args} exited ${cli_status}:\n${cli_err}")
endif()
if(c_out STREQUAL "")
  message(FATAL_ERROR "check_book_c printed nothing")
endif()
if(NOT c_out STREQUAL cli_out)
  file(WRITE ${OUTDIR}/check_book_c.json "${c_out}")
  file(WRITE ${OUTDIR}/billcheck.json "${cli_out}")
  message(FATAL_ERROR "check_book_c and billcheck check --format json differ; see ${OUTDIR}/check_book_c.json and billcheck.json")
endif()
string(LENGTH "${c_out}" size)
message(STATUS "the same ${size} bytes")
