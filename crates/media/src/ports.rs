//! The pool of RTP/RTCP port pairs a media endpoint hands to call legs.
//!
//! RTP gets the even port and RTCP the odd one above it (RFC 3550 §11). Ports are handed out
//! least-recently-released first: a port freed by a call that just ended goes to the back of the
//! queue, so late packets from that call's peer do not reach the next call on the same port.

use std::collections::VecDeque;
use std::ops::RangeInclusive;

use crate::Error;

/// Even RTP ports from a configured range, each with its RTCP port + 1.
#[derive(Debug, Clone)]
pub struct PortPool {
    first: u16,
    free: VecDeque<u16>,
    /// Whether each pair (indexed from `first`, step 2) is currently handed out.
    in_use: Vec<bool>,
}

impl PortPool {
    /// A pool of every even port `p` with `p` and `p + 1` both in `range`.
    pub fn new(range: RangeInclusive<u16>) -> Result<PortPool, Error> {
        let first = range.start().saturating_add(range.start() & 1);
        let free: VecDeque<u16> = (u32::from(first)..u32::from(*range.end()))
            .step_by(2)
            .filter_map(|p| u16::try_from(p).ok())
            .collect();
        if free.is_empty() {
            return Err(Error::EmptyPortRange(range));
        }
        let in_use = vec![false; free.len()];
        Ok(PortPool {
            first,
            free,
            in_use,
        })
    }

    /// An RTP port (RTCP is the port + 1), or `None` when every pair is in use.
    pub fn allocate(&mut self) -> Option<u16> {
        let port = self.free.pop_front()?;
        if let Some(slot) = self.slot(port) {
            *slot = true;
        }
        Some(port)
    }

    /// Returns a port to the back of the queue. Ports not from this pool or not in use are
    /// ignored (returns false), so a double release cannot hand one port to two calls.
    pub fn release(&mut self, port: u16) -> bool {
        match self.slot(port) {
            Some(slot) if *slot => {
                *slot = false;
                self.free.push_back(port);
                true
            }
            _ => false,
        }
    }

    /// Pairs free now.
    pub fn available(&self) -> usize {
        self.free.len()
    }

    /// Pairs in the pool.
    pub fn capacity(&self) -> usize {
        self.in_use.len()
    }

    fn slot(&mut self, port: u16) -> Option<&mut bool> {
        if port < self.first || (port - self.first) % 2 != 0 {
            return None;
        }
        self.in_use.get_mut(usize::from((port - self.first) / 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_even_ports_with_room_for_rtcp() {
        let mut pool = PortPool::new(20001..=20006).expect("non-empty");
        assert_eq!(pool.capacity(), 2);
        assert_eq!(pool.allocate(), Some(20002));
        assert_eq!(pool.allocate(), Some(20004));
        assert_eq!(pool.allocate(), None);
    }

    #[test]
    fn a_just_released_port_is_reused_last() {
        let mut pool = PortPool::new(20000..=20007).expect("non-empty");
        let first = pool.allocate();
        assert_eq!(first, Some(20000));
        assert!(pool.release(20000));
        assert_eq!(pool.allocate(), Some(20002));
        assert_eq!(pool.allocate(), Some(20004));
        assert_eq!(pool.allocate(), Some(20006));
        assert_eq!(pool.allocate(), Some(20000));
    }

    #[test]
    fn double_and_foreign_releases_are_ignored() {
        let mut pool = PortPool::new(20000..=20003).expect("non-empty");
        let port = pool.allocate().expect("a port");
        assert!(pool.release(port));
        assert!(!pool.release(port));
        assert!(!pool.release(20001));
        assert!(!pool.release(30000));
        assert_eq!(pool.available(), 2);
    }

    #[test]
    fn ranges_without_a_pair_are_rejected() {
        assert_eq!(
            PortPool::new(20001..=20001).map(|_| ()),
            Err(Error::EmptyPortRange(20001..=20001))
        );
        assert_eq!(
            PortPool::new(65535..=65535).map(|_| ()),
            Err(Error::EmptyPortRange(65535..=65535))
        );
        assert!(PortPool::new(20000..=20000).is_err());
        let mut top = PortPool::new(65534..=65535).expect("one pair");
        assert_eq!(top.allocate(), Some(65534));
    }
}
