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

# Two test processes for the CPU-bound tests (the pose model uses about one core), then the
# tests marked serial (tests/conftest.py: real browsers, timing-bound children) one at a time.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not serial" --durations=15
	$(BIN)/python -m pytest -m serial --durations=15

bench: $(STAMP)
	$(BIN)/python tools/bench.py
	$(BIN)/python tools/live_bench.py
	$(BIN)/python tools/server_bench.py

check-poses: $(STAMP)
	$(BIN)/coach check-poses poses

clean-venv:
	rm -rf $(VENV)

# Sample videos of rendered people with exact ground truth (see sample_videos/README.md).
# `make samples` builds its own .venv-render with Blender's Python module (~1 GB),
# renders (Cycles, CPU; ~55 min on 2 cores; resumes where it stopped), then
# writes the H.264 clips, their ground truth and docs/images/ with the app's .venv.
# `make accuracy-renders` renders the accuracy stills on demand into build/stills/
# (348 stills: stretch x view x body x variant x side, with camera/light variations;
# about 30 min on 2 cores at nice 10, 5-6.5 s a still; resumes; never committed).
# `make accuracy` runs MediaPipe over the committed clips against their truth, over the
# stills in build/stills/ when they are there (table per stretch x view x body,
# sample_videos/accuracy_stills.json), and over the real photos in ../shared/data/photos
# when they are there (not redistributable).
RENDER_VENV  := .venv-render
RENDER_STAMP := $(RENDER_VENV)/.installed

$(RENDER_STAMP): tools/render_requirements.txt
	@test -x $(RENDER_VENV)/bin/python || $(PYTHON) -m venv $(RENDER_VENV)
	$(RENDER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(RENDER_VENV)/bin/python -m pip install --quiet -r tools/render_requirements.txt
	@touch $(RENDER_STAMP)

.PHONY: samples accuracy calibrate accuracy-renders accuracy-renders-wide accuracy-extra
samples: $(RENDER_STAMP) $(STAMP)
	$(RENDER_VENV)/bin/python tools/render_samples.py render
	$(BIN)/python tools/render_samples.py assemble

accuracy-renders: $(RENDER_STAMP)
	nice -n 10 $(RENDER_VENV)/bin/python tools/render_samples.py render --set accuracy

# The wide set (issue 13): 1,200 stills with pose variety, 6+ bodies, chair/camera/light
# variety, split by seed into calibration (~55 %) and test (~45 %) parts; ~4-8 s a still
# on 2 cores; resumes; PART=calibration|test renders one part. The pictures are never
# committed; MediaPipe's landmarks of each are (sample_videos/wide_landmarks.npz, ~1 MB),
# so `make calibrate` (limits from the calibration part) and `make accuracy` (the test
# part) run without them after a change to a stretch file.
accuracy-renders-wide: $(RENDER_STAMP)
	nice -n 10 $(RENDER_VENV)/bin/python tools/render_samples.py render --set wide $(if $(PART),--part $(PART))

# Ways of doing a stretch that the wide set does not sample (a twist turned the wrong way, a
# figure-4 with its hands off the crossed ankle, a dog with its heels high or one knee bent, ...:
# EXTRA_WAYS in coachlab/rendered/extra_ways.py): rendered outside its plan into build/extra/
# (744 stills, about 45 min; WAYS=twist-knee-in for one, WAYS="a b" for some), then read by
# MediaPipe and judged (the README's "Ways of doing the stretches that the wide set does not
# vary"). Never committed.
accuracy-extra: $(RENDER_STAMP) $(STAMP)
	nice -n 10 $(RENDER_VENV)/bin/python tools/render_samples.py render --set extra $(if $(WAYS),--only $(WAYS))
	$(BIN)/python tools/render_samples.py extra $(WAYS)

calibrate: $(STAMP)
	$(BIN)/python tools/render_samples.py calibrate

accuracy: $(STAMP)
	$(BIN)/python tools/render_samples.py accuracy
	$(BIN)/python tools/eval_photos.py
