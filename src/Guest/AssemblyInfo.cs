// The agent runs only inside a Linux guest (or a Linux host for tests).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
