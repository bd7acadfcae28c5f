# tests/fuzz/fuzz.mk - the libFuzzer harnesses; included by the Makefile
# (which defines BUILD, WARN, REPO_SRC, BUILDER_SRC, INST_LIB_SRC, PKG_LIBS, ...).
#
#   make fuzz                      build every harness and run each for FUZZ_TIME s
#   make fuzz FUZZ=pgp_keyring     only that one (tests/fuzz/fuzz_pgp_keyring.c)
#   make fuzz FUZZ_TIME=3600       longer campaigns
#   make fuzz-bins                 build them only: $(BUILD)/fuzz/fuzz_NAME
#
# Every harness is tests/fuzz/fuzz_NAME.c plus tests/fuzz/common.c and the
# structure-aware mutators pgpmut.c (OpenPGP), yamlmut.c (YAML), jsonmut.c
# (JSON), tarmut.c (tar headers) and rpmmdmut.c (repomd.xml records), linked
# against the product's code compiled apart, with clang, in $(BUILD)/fuzz/obj/:
# -fsanitize=fuzzer-no-link for coverage, AddressSanitizer and UBSan (UB aborts).
# tests/fuzz/run.sh runs them on the committed seeds (tests/fuzz/corpus/NAME/)
# and a growing campaign corpus under $(BUILD)/fuzz/corpus/NAME/ (not in git).

FUZZ_CC    ?= clang
FUZZ_CXX   ?= clang++
FUZZ_TIME  ?= 60
FUZZ       ?=
FUZZ_DIR   := $(BUILD)/fuzz
FUZZ_OBJ   := $(FUZZ_DIR)/obj
FUZZ_STAMP := $(BUILD)/.deps-fuzz

FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer
FUZZ_CPPFLAGS = -D_GNU_SOURCE -DPGB_FUZZ -Irepo -Ibuilder -Iinstaller -Itests/fuzz \
		$(PKG_CFLAGS) -MMD -MP $(CPPFLAGS)
FUZZ_CFLAGS   = -std=c11 $(WARN) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_CXXFLAGS = -std=c++17 -Wall -Wextra -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link

FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SHARED  := $(patsubst %,$(FUZZ_OBJ)/tests/fuzz/%.o,common pgpmut yamlmut jsonmut tarmut rpmmdmut)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_LIB_OBJ := $(REPO_SRC:%.c=$(FUZZ_OBJ)/%.o)
FUZZ_BLD_OBJ := $(BUILDER_SRC:%.c=$(FUZZ_OBJ)/%.o) $(BUILDER_CXX:%.cc=$(FUZZ_OBJ)/%.o)
FUZZ_INS_OBJ := $(INST_LIB_SRC:%.c=$(FUZZ_OBJ)/%.o)

.PHONY: fuzz fuzz-bins
fuzz-bins: $(FUZZ_BIN)

fuzz: fuzz-bins
	@BUILD=$(BUILD) FUZZ_TIME=$(FUZZ_TIME) FUZZ=$(FUZZ) sh tests/fuzz/run.sh

$(FUZZ_STAMP): ci/deps.sh
	@mkdir -p $(@D)
	sh ci/deps.sh fuzz
	@touch $@

$(FUZZ_OBJ)/%.o: %.c | $(DEPS_STAMP) $(FUZZ_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_OBJ)/%.o: %.cc | $(DEPS_STAMP) $(FUZZ_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_CPPFLAGS) $(FUZZ_CXXFLAGS) -c -o $@ $<

$(FUZZ_OBJ)/tests/fuzz/common.o: FUZZ_CPPFLAGS += -DFUZZ_SRCDIR='"$(CURDIR)/tests/fuzz"'

# Archives, so a harness links only the modules it calls.
$(FUZZ_DIR)/librepo.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_DIR)/libbuilder.a: $(FUZZ_BLD_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_DIR)/libinst.a: $(FUZZ_INS_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_OBJ)/tests/fuzz/fuzz_%.o $(FUZZ_SHARED) $(FUZZ_DIR)/libbuilder.a $(FUZZ_DIR)/libinst.a $(FUZZ_DIR)/librepo.a
	$(FUZZ_CXX) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

.SECONDARY: $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_OBJ)/tests/fuzz/%.o)
