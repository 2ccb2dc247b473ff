# infip_library(NAME SOURCES... DEPS ...): one module, one static library.
# Every target shares one precompiled header (LibTorch's headers dominate build time).
set(INFIP_WARNINGS -Wall -Wextra)

function(infip_set_common target)
  target_compile_options(${target} PRIVATE ${INFIP_WARNINGS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/lib)
  # LibTorch's own headers are not -Wextra clean; treat them as system headers.
  target_include_directories(${target} SYSTEM PUBLIC ${TORCH_INCLUDE_DIRS})
  if(TARGET infip_pch AND NOT "${target}" STREQUAL "infip_pch")
    target_precompile_headers(${target} REUSE_FROM infip_pch)
  endif()
endfunction()

function(infip_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  infip_set_common(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

function(infip_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  infip_set_common(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()
