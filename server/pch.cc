// Anchors infip-server's precompiled header target; see server/CMakeLists.txt.
