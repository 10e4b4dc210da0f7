"""Rendered people with exact ground truth (numpy only; Blender is needed only to draw).

``assets`` reads the CC0 MakeHuman body files; ``rig`` poses that body with the
synthetic body's :class:`~coachlab.synthetic.body.BodyPose` vocabulary (forward
kinematics + linear-blend skinning, the synthetic skeleton being the source of
truth); ``clips`` scripts the sample clips; ``truth`` computes each frame's
intended verdicts with the engine's own checks on exact landmarks.
"""
