// The agent and its tests are Linux-only (unix sockets, overlayfs, /proc).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
