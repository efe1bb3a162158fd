//! What the process does at start-up so no other program and no file can read a PIN out of its
//! memory: no core dump (a core file would hold whatever was typed) and, on Linux, no attach by
//! a debugger of the same user (`ptrace`, or reading `/proc/PID/mem`). ssh-agent and gpg-agent
//! do the same. Done for every command, not only the PIN commands: it costs nothing, and no
//! command can then forget it.

/// Turn core dumps off (every Unix) and mark the process not dumpable (Linux), which also keeps
/// same-user debuggers out. Failures are ignored: a system that refuses leaves the process as it
/// was, and nothing the holder could do would change that.
pub fn harden_process() {
    #[cfg(unix)]
    {
        use rustix::process::{setrlimit, Resource, Rlimit};
        let none = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        let _ = setrlimit(Resource::Core, none);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{set_dumpable_behavior, DumpableBehavior};
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;
    use rustix::process::{dumpable_behavior, getrlimit, DumpableBehavior, Resource};

    #[test]
    fn the_process_writes_no_core_and_cannot_be_traced() {
        harden_process();
        assert_eq!(dumpable_behavior().unwrap(), DumpableBehavior::NotDumpable);
        let core = getrlimit(Resource::Core);
        assert_eq!((core.current, core.maximum), (Some(0), Some(0)));
    }
}
