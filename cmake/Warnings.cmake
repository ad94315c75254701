# Warnings, sanitizers and clang-tidy, applied to every danemon target through danemon_options.
add_library(danemon_options INTERFACE)
target_compile_options(danemon_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough)
if(DANEMON_WERROR)
  target_compile_options(danemon_options INTERFACE -Werror)
endif()
if(DANEMON_SANITIZE)
  string(REPLACE ";" "," _danemon_san "${DANEMON_SANITIZE}")
  target_compile_options(danemon_options INTERFACE -fsanitize=${_danemon_san} -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
  target_link_options(danemon_options INTERFACE -fsanitize=${_danemon_san})
endif()
if(DANEMON_FUZZ)
  # Coverage feedback from danemon's own code, not only from the fuzz targets: without it
  # libFuzzer sees the few hundred edges of each harness and mutates blind.
  target_compile_options(danemon_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
if(DANEMON_CLANG_TIDY)
  find_program(CLANG_TIDY_EXE NAMES clang-tidy clang-tidy-14 REQUIRED)
  set(CMAKE_CXX_CLANG_TIDY ${CLANG_TIDY_EXE})
endif()

# danemon_library(NAME SOURCES... DEPS ...): one static library per lib/ folder.
function(danemon_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(danemon_${name} STATIC ${ARG_SOURCES})
  add_library(danemon::${name} ALIAS danemon_${name})
  target_include_directories(danemon_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(danemon_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE danemon_options ${ARG_PRIVATE_DEPS})
endfunction()
