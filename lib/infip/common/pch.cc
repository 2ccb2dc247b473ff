// Anchors the shared precompiled header target; see lib/CMakeLists.txt.
