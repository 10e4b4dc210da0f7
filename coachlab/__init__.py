"""Developer-side lab for Stretch Coach: synthetic bodies, the rendered body and accuracy tooling.

``synthetic`` builds exact BlazePose landmarks from a kinematic skeleton (the tests'
ground truth); ``rendered`` poses the CC0 MakeHuman body for Blender, scripts the
sample clips and stills, and measures MediaPipe against their truth.

It lives beside ``coach`` in the repository and is used only by ``tests/`` and
``tools/``: it is not part of the installed app (the wheel packages ``coach`` only),
and nothing in ``coach`` may import it.
"""
