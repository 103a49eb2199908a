//! Typed access to the headers the upper layers need (RFC 3261 §20), shared by `Request`,
//! `Response` and `Message` through `impl_accessors!`. Each call parses the raw value; a
//! malformed value is a typed error naming the header.

use super::header::{CSeq, Contact, NameAddr, Via};
use super::header_name::HeaderName;
use super::headers::Headers;
use crate::Error;

impl Headers {
    /// The Call-ID value.
    pub fn call_id(&self) -> Result<&str, Error> {
        self.get(&HeaderName::CallId)
            .filter(|v| !v.is_empty())
            .ok_or(Error::MissingHeader(HeaderName::CallId))
    }

    /// The parsed CSeq.
    pub fn cseq(&self) -> Result<CSeq, Error> {
        CSeq::parse(
            self.get(&HeaderName::CSeq)
                .ok_or(Error::MissingHeader(HeaderName::CSeq))?,
        )
    }

    /// The parsed From.
    pub fn from_addr(&self) -> Result<NameAddr, Error> {
        self.name_addr(HeaderName::From)
    }

    /// The parsed To.
    pub fn to_addr(&self) -> Result<NameAddr, Error> {
        self.name_addr(HeaderName::To)
    }

    fn name_addr(&self, name: HeaderName) -> Result<NameAddr, Error> {
        let raw = self
            .get(&name)
            .ok_or_else(|| Error::MissingHeader(name.clone()))?;
        NameAddr::parse(raw).map_err(|_| Error::BadHeader(name))
    }

    /// Every Via, top first.
    pub fn vias(&self) -> Result<Vec<Via>, Error> {
        self.get_all(&HeaderName::Via).map(Via::parse).collect()
    }

    /// The topmost Via.
    pub fn top_via(&self) -> Result<Via, Error> {
        Via::parse(
            self.get(&HeaderName::Via)
                .ok_or(Error::MissingHeader(HeaderName::Via))?,
        )
    }

    /// Every Contact element, in order.
    pub fn contacts(&self) -> Result<Vec<Contact>, Error> {
        self.get_all(&HeaderName::Contact)
            .map(|v| Contact::parse(v).map_err(|_| Error::BadHeader(HeaderName::Contact)))
            .collect()
    }

    /// Max-Forwards, if present.
    pub fn max_forwards(&self) -> Result<Option<u32>, Error> {
        self.number(HeaderName::MaxForwards)
    }

    /// Expires (delta-seconds), if present.
    pub fn expires(&self) -> Result<Option<u32>, Error> {
        self.number(HeaderName::Expires)
    }

    fn number(&self, name: HeaderName) -> Result<Option<u32>, Error> {
        match self.get(&name) {
            None => Ok(None),
            Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                // Values beyond u32 saturate: RFC 3261 §20.19 treats huge Expires as "a long time".
                Ok(Some(v.parse().unwrap_or(u32::MAX)))
            }
            Some(_) => Err(Error::BadHeader(name)),
        }
    }

    /// The Content-Type value.
    pub fn content_type(&self) -> Option<&str> {
        self.get(&HeaderName::ContentType)
    }

    /// Every Route entry, in order.
    pub fn routes(&self) -> Result<Vec<NameAddr>, Error> {
        self.name_addrs(HeaderName::Route)
    }

    /// Every Record-Route entry, in order.
    pub fn record_routes(&self) -> Result<Vec<NameAddr>, Error> {
        self.name_addrs(HeaderName::RecordRoute)
    }

    fn name_addrs(&self, name: HeaderName) -> Result<Vec<NameAddr>, Error> {
        self.get_all(&name)
            .map(|v| NameAddr::parse(v).map_err(|_| Error::BadHeader(name.clone())))
            .collect()
    }
}

/// The one thing `impl_accessors!` needs from a message type.
pub(crate) trait HasHeaders {
    fn headers_ref(&self) -> &Headers;
}

/// Inherent typed accessors on a message type, delegating to its [`Headers`].
macro_rules! impl_accessors {
    ($ty:ty) => {
        impl $ty {
            fn hdrs(&self) -> &$crate::message::Headers {
                $crate::message::accessors::HasHeaders::headers_ref(self)
            }
            /// The Call-ID value.
            pub fn call_id(&self) -> Result<&str, $crate::Error> {
                self.hdrs().call_id()
            }
            /// The parsed CSeq.
            pub fn cseq(&self) -> Result<$crate::message::header::CSeq, $crate::Error> {
                self.hdrs().cseq()
            }
            /// The parsed From header.
            pub fn from(&self) -> Result<$crate::message::header::NameAddr, $crate::Error> {
                self.hdrs().from_addr()
            }
            /// The parsed To header.
            pub fn to(&self) -> Result<$crate::message::header::NameAddr, $crate::Error> {
                self.hdrs().to_addr()
            }
            /// Every Via, top first.
            pub fn vias(&self) -> Result<Vec<$crate::message::header::Via>, $crate::Error> {
                self.hdrs().vias()
            }
            /// The topmost Via.
            pub fn top_via(&self) -> Result<$crate::message::header::Via, $crate::Error> {
                self.hdrs().top_via()
            }
            /// Every Contact element.
            pub fn contacts(&self) -> Result<Vec<$crate::message::header::Contact>, $crate::Error> {
                self.hdrs().contacts()
            }
            /// Max-Forwards, if present.
            pub fn max_forwards(&self) -> Result<Option<u32>, $crate::Error> {
                self.hdrs().max_forwards()
            }
            /// Expires, if present.
            pub fn expires(&self) -> Result<Option<u32>, $crate::Error> {
                self.hdrs().expires()
            }
            /// The Content-Type value.
            pub fn content_type(&self) -> Option<&str> {
                self.hdrs().content_type()
            }
            /// Every Route entry.
            pub fn routes(&self) -> Result<Vec<$crate::message::header::NameAddr>, $crate::Error> {
                self.hdrs().routes()
            }
            /// Every Record-Route entry.
            pub fn record_routes(
                &self,
            ) -> Result<Vec<$crate::message::header::NameAddr>, $crate::Error> {
                self.hdrs().record_routes()
            }
        }
    };
}

pub(crate) use impl_accessors;
