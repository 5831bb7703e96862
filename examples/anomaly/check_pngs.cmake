# cmake -DDIR=folder "-DFILES=a.png;b.png" -P check_pngs.cmake: each file exists and starts with the
# PNG signature. A missing DIR (the run before it was skipped for want of data) prints "SKIPPED:",
# which the test's SKIP_REGULAR_EXPRESSION reports as skipped.
if(NOT EXISTS "${DIR}")
  message("SKIPPED: no ${DIR}")
  return()
endif()
foreach(f IN LISTS FILES)
  if(NOT EXISTS "${DIR}/${f}")
    message(FATAL_ERROR "missing ${DIR}/${f}")
  endif()
  file(READ "${DIR}/${f}" head LIMIT 8 HEX)
  if(NOT head STREQUAL "89504e470d0a1a0a")
    message(FATAL_ERROR "${DIR}/${f} is not a PNG (starts with ${head})")
  endif()
  message(STATUS "ok ${f}")
endforeach()
