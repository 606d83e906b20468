using System.Runtime.Versioning;

// Layer.Fs speaks the Linux FUSE protocol; nothing here runs elsewhere.
[assembly: SupportedOSPlatform("linux")]
