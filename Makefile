# pgbundle - build, test and bundle.
#
#   make                 build build/pgbundle (installs missing build deps first)
#   make bundle          build the default bundle (manifests/d12.yml) into images/
#   make images          rebuild the release images from their locks (images/release/)
#                        into images/out/ and check them against the sums there
#   make images-update   resolve the release manifests again: new locks and sums,
#                        and `pgbundle diff` of each lock against the old one
#   make check           every test of the fast tier; ends with "N passed, N failed"
#   make check-all       the fast tier plus the slow one (every Debian target)
#   make check-san       the unit tests under AddressSanitizer + UBSan
#   make fuzz            every libFuzzer harness for FUZZ_TIME s (tests/fuzz/fuzz.mk)
#   make BUILD=dir ...   build somewhere else (parallel work trees, sanitizer builds)

BUILD    ?= build
CC       ?= cc
CXX      ?= c++
CFLAGS   ?= -O2 -g
CXXFLAGS ?= -O2 -g
MANIFEST ?= manifests/d12.yml

PKGS     = libsolv libsolvext libarchive libzstd libcrypto yaml-0.1 libcurl jansson apt-pkg \
           createrepo_c modulemd-2.0 rpm libxml-2.0
# Recursive (=) so pkg-config runs after the deps stamp has installed the .pc files.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# Debian's createrepo_c.pc has an empty libdir, so a bare "-L" that would
# swallow the next flag: dropped.
PKG_LIBS   = $(filter-out -L,$(shell pkg-config --libs $(PKGS)))

ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

WARN      = -Wall -Wextra -Wshadow -Wno-unused-parameter -Wstrict-prototypes
ALL_CPPFLAGS = -D_GNU_SOURCE -Irepo -Ibuilder $(PKG_CFLAGS) -MMD -MP $(CPPFLAGS)
ALL_CFLAGS   = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS)
ALL_CXXFLAGS = -std=c++17 -Wall -Wextra $(CXXFLAGS) $(SANFLAGS)
ALL_LDFLAGS  = $(LDFLAGS) $(SANFLAGS)

REPO_SRC    := $(wildcard repo/*.c)
BUILDER_SRC := $(filter-out builder/main.c,$(wildcard builder/*.c))
BUILDER_CXX := $(wildcard builder/*.cc)
TEST_SRC    := $(wildcard tests/repo/test_*.c tests/builder/test_*.c)

REPO_OBJ    := $(REPO_SRC:%.c=$(BUILD)/%.o)
BUILDER_OBJ := $(BUILDER_SRC:%.c=$(BUILD)/%.o) $(BUILDER_CXX:%.cc=$(BUILD)/%.o)
TEST_BIN    := $(TEST_SRC:%.c=$(BUILD)/%)
DEPS_STAMP  := $(BUILD)/.deps-build

.DEFAULT_GOAL := all

# The static installer stub: installer/installer.mk sets INSTALLER and its rules.
-include installer/installer.mk
# The libFuzzer harnesses: tests/fuzz/fuzz.mk sets FUZZ_BIN and make fuzz.
-include tests/fuzz/fuzz.mk

.PHONY: all bundle images images-update check check-all check-san check-unit test-bins clean deps
all: $(BUILD)/pgbundle $(INSTALLER)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): ci/deps.sh
	@mkdir -p $(@D)
	sh ci/deps.sh build
	@touch $@

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cc | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(ALL_CPPFLAGS) $(ALL_CXXFLAGS) -c -o $@ $<

# Linked with the C++ driver because the apt shim pulls in libstdc++.
$(BUILD)/pgbundle: $(BUILD)/builder/main.o $(BUILDER_OBJ) $(REPO_OBJ)
	$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Tests link archives, so each pulls in only the modules it uses.
$(BUILD)/libbuilder.a: $(BUILDER_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/librepo.a: $(REPO_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/%: tests/%.c $(BUILD)/libbuilder.a $(BUILD)/librepo.a | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests $(ALL_CFLAGS) -c -o $@.o $<
	$(CXX) $(ALL_LDFLAGS) -o $@ $@.o $(BUILD)/libbuilder.a $(BUILD)/librepo.a $(PKG_LIBS)

test-bins: $(TEST_BIN)

bundle: $(BUILD)/pgbundle $(INSTALLER)
	@test -f images/keys/pgbundle.key || $(BUILD)/pgbundle keygen -o images/keys
	$(BUILD)/pgbundle build $(MANIFEST) -o images --key images/keys/pgbundle.key

# The release images (images/README.md).  IMAGES picks some (d12 d12-all);
# SNAPSHOT="URL ..." says where packages the mirror has dropped are;
# KEEP_LOCKS=1 makes images-update re-sum the committed locks without resolving;
# PGBUNDLE_KEY is the signing key (default images/keys/pgbundle.key).
# ci/deps.sh images: zstd, to unpack the payloads with tar.
IMAGES_ENV = PGBUNDLE=$(BUILD)/pgbundle IMAGES="$(IMAGES)" SNAPSHOT="$(SNAPSHOT)" KEEP_LOCKS=$(KEEP_LOCKS) \
	     $(if $(IMAGES_DIR),IMAGES_DIR=$(IMAGES_DIR)) $(if $(IMAGES_OUT),IMAGES_OUT=$(IMAGES_OUT))
images: $(BUILD)/pgbundle $(INSTALLER)
	@sh ci/deps.sh images
	@$(IMAGES_ENV) sh ci/images.sh build

images-update: $(BUILD)/pgbundle $(INSTALLER)
	@sh ci/deps.sh images
	@$(IMAGES_ENV) sh ci/images.sh update

check: all test-bins
	@sh ci/deps.sh test
	@BUILD=$(BUILD) TIER=fast sh tests/run.sh

check-all: all test-bins
	@sh ci/deps.sh test
	@BUILD=$(BUILD) TIER=all sh tests/run.sh

check-unit: all test-bins
	@sh ci/deps.sh test
	@BUILD=$(BUILD) TIER=unit sh tests/run.sh

# The unit tests, and the fixture-archive tests through the sanitized pgbundle.
check-san:
	@sh ci/deps.sh test
	$(MAKE) BUILD=build/san SAN=1 all test-bins
	@BUILD=build/san TIER=san sh tests/run.sh

clean:
	rm -rf $(BUILD) build/san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
