// The object the shared precompiled headers are built with (cmake/dhl.cmake, dhl_pch).
