# Two commands are all a new machine needs: `make app` and `make test`.
# The first use builds .venv with python3 -m venv + pip; later uses are instant
# (the stamp file is only rebuilt when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: app test bench check-poses clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run app.py

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python tools/bench.py

check-poses: $(STAMP)
	$(BIN)/coach check-poses poses

clean-venv:
	rm -rf $(VENV)
