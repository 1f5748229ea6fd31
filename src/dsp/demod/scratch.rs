//! Reused buffers for the demodulation's temporaries as long as the burst.
//!
//! Demodulating a burst takes several buffers of its length (the channel, its power, the
//! discriminator, their smoothed copies). Fresh ones for every burst cost the page faults of
//! memory the system must zero each time, or, served from the allocator's heap, leave it
//! holding the pages of the largest burst seen, fragmented. Instead each thread keeps the
//! buffers its demodulation freed, up to [`KEEP_BYTES`], and hands them out again: a [`Buf`]
//! goes back to its thread's pool when dropped. The pool holds floats; a buffer of complex
//! samples is one of twice as many floats, so either kind serves the other. The pool is emptied after each batch of bursts
//! ([`release`]), so the buffers of a long burst are not held while the next bursts record.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

use num_complex::Complex;

/// Bytes of free buffers a thread keeps, at most: about the temporaries of a 5 s burst at an
/// undecimated channel rate.
const KEEP_BYTES: usize = 16 << 20;

/// Free buffers of one element type.
pub(super) struct Pool<T> {
    free: Vec<Vec<T>>,
}

impl<T> Pool<T> {
    const fn new() -> Self {
        Pool { free: Vec::new() }
    }

    /// An empty buffer holding at least `len` elements: the smallest free one that does, else
    /// the largest free one grown, else a new one.
    fn take(&mut self, len: usize) -> Vec<T> {
        let fits = (0..self.free.len())
            .filter(|&i| self.free[i].capacity() >= len)
            .min_by_key(|&i| self.free[i].capacity());
        let largest = (0..self.free.len()).max_by_key(|&i| self.free[i].capacity());
        match fits.or(largest) {
            Some(i) => {
                let mut v = self.free.swap_remove(i);
                v.reserve_exact(len);
                v
            }
            None => Vec::with_capacity(len),
        }
    }

    /// Keeps `v` for later (emptied), dropping the smallest buffers past [`KEEP_BYTES`].
    fn give(&mut self, mut v: Vec<T>) {
        v.clear();
        self.free.push(v);
        let size = std::mem::size_of::<T>().max(1);
        while self.free.iter().map(|v| v.capacity() * size).sum::<usize>() > KEEP_BYTES {
            let Some(i) = (0..self.free.len()).min_by_key(|&i| self.free[i].capacity()) else {
                break;
            };
            self.free.swap_remove(i);
        }
    }
}

/// Element types whose buffers come from the pool of floats: an element is `FLOATS` floats.
pub(super) trait Pooled: Sized {
    /// Floats per element.
    const FLOATS: usize;
    /// An empty vector in the memory of `v` (emptied first), or `None` when that memory is
    /// not a whole number of elements.
    fn from_floats(v: Vec<f32>) -> Option<Vec<Self>>;
    /// The memory of `v` as floats, the elements' own floats in order.
    fn into_floats(v: Vec<Self>) -> Vec<f32>;
}

impl Pooled for f32 {
    const FLOATS: usize = 1;
    fn from_floats(mut v: Vec<f32>) -> Option<Vec<f32>> {
        v.clear();
        Some(v)
    }
    fn into_floats(v: Vec<f32>) -> Vec<f32> {
        v
    }
}

impl Pooled for Complex<f32> {
    const FLOATS: usize = 2;
    fn from_floats(v: Vec<f32>) -> Option<Vec<Complex<f32>>> {
        if !v.capacity().is_multiple_of(2) {
            return None;
        }
        let mut v = std::mem::ManuallyDrop::new(v);
        let (ptr, cap) = (v.as_mut_ptr(), v.capacity());
        // SAFETY: num-complex declares `Complex<T>` `#[repr(C)]` with fields `re`, `im` (both
        // `T`), so `cap` floats (an even number) are `cap / 2` complex values of the same
        // alignment: the allocation's layout is the same; ownership passes from `v`, never
        // dropped, and no element is claimed initialised.
        Some(unsafe { Vec::from_raw_parts(ptr.cast::<Complex<f32>>(), 0, cap / 2) })
    }
    fn into_floats(v: Vec<Complex<f32>>) -> Vec<f32> {
        let mut v = std::mem::ManuallyDrop::new(v);
        let (ptr, len, cap) = (v.as_mut_ptr(), v.len(), v.capacity());
        // SAFETY: as in `from_floats`: `cap` complex values are `2 cap` floats of the same
        // alignment, the first `2 len` initialised; ownership passes from `v`, never dropped.
        unsafe { Vec::from_raw_parts(ptr.cast::<f32>(), 2 * len, 2 * cap) }
    }
}

thread_local! {
    static FREE: RefCell<Pool<f32>> = const { RefCell::new(Pool::new()) };
}

/// Frees the buffers this thread's pools hold.
pub fn release() {
    let _ = FREE.try_with(|p| p.borrow_mut().free = Vec::new());
}

/// A vector from this thread's pool, given back when dropped.
pub(super) struct Buf<T: Pooled>(Vec<T>);

impl<T: Pooled> Buf<T> {
    /// An empty buffer with room for `len` elements.
    pub(super) fn with_capacity(len: usize) -> Self {
        let floats = len * T::FLOATS;
        let v = FREE
            .try_with(|p| p.borrow_mut().take(floats))
            .ok()
            .and_then(T::from_floats)
            .filter(|v| v.capacity() >= len)
            .unwrap_or_else(|| Vec::with_capacity(len));
        Buf(v)
    }
}

impl<T: Pooled> Buf<T> {
    /// A buffer holding nothing, and taking nothing from the pool.
    pub(super) fn empty() -> Self {
        Buf(Vec::new())
    }

    /// `v`, to go back to the pool when dropped.
    pub(super) fn from_vec(v: Vec<T>) -> Self {
        Buf(v)
    }

    /// The vector itself, which then does not go back to the pool.
    pub(super) fn into_vec(mut self) -> Vec<T> {
        std::mem::take(&mut self.0)
    }
}

impl<T: Pooled> Deref for Buf<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T: Pooled> DerefMut for Buf<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

impl<T: Pooled> Drop for Buf<T> {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.0);
        if v.capacity() > 0 {
            // While the thread ends its pool may be gone: the buffer is simply freed.
            let _ = FREE.try_with(|p| p.borrow_mut().give(T::into_floats(v)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_dropped_is_handed_out_again() {
        let b = Buf::<f32>::with_capacity(1000);
        let at = b.as_ptr();
        drop(b);
        let b = Buf::<f32>::with_capacity(900);
        assert_eq!(b.as_ptr(), at);
        assert!(b.is_empty() && b.capacity() >= 900);
    }

    #[test]
    fn released_buffers_are_not_handed_out_again() {
        drop(Buf::<f32>::with_capacity(1000));
        release();
        FREE.with(|p| assert!(p.borrow().free.is_empty()));
    }

    #[test]
    fn complex_and_real_buffers_share_the_pool() {
        release();
        let mut c = Buf::<Complex<f32>>::with_capacity(500);
        c.push(Complex::new(1.0, 2.0));
        let at = c.as_ptr() as usize;
        drop(c);
        let r = Buf::<f32>::with_capacity(1000);
        assert_eq!(r.as_ptr() as usize, at);
        assert!(r.is_empty());
        drop(r);
        let c = Buf::<Complex<f32>>::with_capacity(400);
        assert_eq!(c.as_ptr() as usize, at);
        assert!(c.is_empty() && c.capacity() >= 400);
    }

    #[test]
    fn the_smallest_buffer_that_fits_is_taken() {
        let mut p = Pool::<f32>::new();
        p.give(Vec::with_capacity(100));
        p.give(Vec::with_capacity(50));
        p.give(Vec::with_capacity(200));
        assert_eq!(p.take(60).capacity(), 100);
        // None fits: the largest is grown.
        let v = p.take(1000);
        assert!(v.capacity() >= 1000);
        assert_eq!(p.free.len(), 1);
        assert_eq!(p.free[0].capacity(), 50);
    }

    #[test]
    fn the_pool_keeps_a_bounded_size() {
        let mut p = Pool::<f32>::new();
        let n = KEEP_BYTES / 4 / 3;
        for _ in 0..5 {
            p.give(Vec::with_capacity(n));
        }
        let kept: usize = p.free.iter().map(|v| v.capacity() * 4).sum();
        assert!(kept <= KEEP_BYTES && p.free.len() == 3, "{kept}");
    }
}
