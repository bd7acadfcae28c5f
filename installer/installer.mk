# installer/installer.mk - the static installer stub and the installer's tests;
# included by the Makefile (which defines BUILD, CC, WARN, CFLAGS, REPO_OBJ, ...).
#
#   $(BUILD)/pgbundle-installer         installer/*.c + the repo/*.c objects they use,
#                                       linked statically (`ldd` says "not a dynamic
#                                       executable"), stripped: the stub of every .run
#   $(BUILD)/tests/installer/test_*     unit tests of installer/*.c (dynamic, sanitizable)
#   $(BUILD)/tests/tools/runfile-tool   writes .run files for the shell tests
#
# The stub's objects are compiled apart, in $(BUILD)/static/: never with the
# sanitizers (they cannot link statically), and with PACK_READ_ZSTD_ONLY so
# repo/pack.c's reader links zstd alone.  The repo objects go into an archive,
# so the linker takes only those the installer calls, and their libraries.

INSTALLER      := $(BUILD)/pgbundle-installer
RUNFILE_TOOL   := $(BUILD)/tests/tools/runfile-tool

INST_SRC       := $(wildcard installer/*.c)
INST_LIB_SRC   := $(filter-out installer/main.c,$(INST_SRC))
INST_STATIC    := $(BUILD)/static
INST_S_OBJ     := $(INST_SRC:%.c=$(INST_STATIC)/%.o)
INST_S_REPO    := $(REPO_SRC:%.c=$(INST_STATIC)/%.o)
INST_S_LIBREPO := $(INST_STATIC)/librepo.a
INST_OBJ       := $(INST_LIB_SRC:%.c=$(BUILD)/%.o)
INST_LIBA      := $(BUILD)/installer/libinst.a
INST_TEST_SRC  := $(wildcard tests/installer/test_*.c)
INST_TEST_BIN  := $(INST_TEST_SRC:%.c=$(BUILD)/%)

INST_PKGS      = libarchive libzstd libcrypto yaml-0.1 jansson
INST_CPPFLAGS  = -D_GNU_SOURCE -DPACK_READ_ZSTD_ONLY -Irepo -Iinstaller \
		 $(shell pkg-config --cflags $(INST_PKGS)) -MMD -MP $(CPPFLAGS)
INST_CFLAGS    = -std=c11 $(WARN) $(CFLAGS) -ffunction-sections -fdata-sections
# By hand rather than `pkg-config --static --libs libarchive`, which names every
# library libarchive can use (lz4, nettle, xml2, ...), not the ones our objects
# pull in; libacl is needed by archive_write_disk (ci/deps.sh: libacl1-dev).
INST_LIBS      = -larchive -lacl -lzstd -llzma -lbz2 -lz -lcrypto -lyaml -ljansson -pthread
INST_LDFLAGS   = -static -Wl,--gc-sections -s $(LDFLAGS)

$(INST_STATIC)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(INST_CPPFLAGS) $(INST_CFLAGS) -c -o $@ $<

$(INST_S_LIBREPO): $(INST_S_REPO)
	@rm -f $@
	$(AR) rcs $@ $^

$(INSTALLER): $(INST_S_OBJ) $(INST_S_LIBREPO)
	$(CC) $(INST_LDFLAGS) -o $@ $(INST_S_OBJ) $(INST_S_LIBREPO) $(INST_LIBS)

# Installer unit tests: the installer objects but main's, as an archive so a
# test links only the modules it calls, and the repo objects.
$(INST_LIBA): $(INST_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/installer/%: tests/installer/%.c $(INST_LIBA) $(REPO_OBJ) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Iinstaller -Itests $(ALL_CFLAGS) -c -o $@.o $<
	$(CXX) $(ALL_LDFLAGS) -o $@ $@.o $(INST_LIBA) $(REPO_OBJ) $(PKG_LIBS)

$(RUNFILE_TOOL): tests/tools/runfile-tool.c $(REPO_OBJ) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@.o $<
	$(CXX) $(ALL_LDFLAGS) -o $@ $@.o $(REPO_OBJ) $(PKG_LIBS)

test-bins: $(INST_TEST_BIN) $(RUNFILE_TOOL)
