//! IPv4 CIDR arithmetic, so subnets are derived from the VPC block instead of hard-coded
//! (the original hard-coded `10.0.x.0/24` subnets whatever the VPC block was).

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use crate::error::InfraError;

/// A parsed IPv4 CIDR block whose address is the network address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Cidr {
    network: u32,
    prefix: u8,
}

impl Ipv4Cidr {
    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    fn mask(prefix: u8) -> u32 {
        if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(prefix))
        }
    }

    /// The `index`-th subnet with `new_bits` more prefix bits (Terraform's `cidrsubnet`).
    pub fn subnet(&self, new_bits: u8, index: u32) -> Result<Ipv4Cidr, InfraError> {
        let prefix = self.prefix + new_bits;
        let err = |message: String| InfraError::Cidr {
            cidr: self.to_string(),
            message,
        };
        if prefix > 28 {
            return Err(err(format!(
                "a /{prefix} subnet is smaller than AWS allows (/28)"
            )));
        }
        if new_bits < 32 && u64::from(index) >= 1u64 << new_bits {
            return Err(err(format!("has no subnet number {index} of /{prefix}")));
        }
        let offset = index << (32 - u32::from(prefix));
        Ok(Ipv4Cidr {
            network: self.network | offset,
            prefix,
        })
    }

    /// Whether `other` lies entirely inside this block.
    pub fn contains(&self, other: &Ipv4Cidr) -> bool {
        other.prefix >= self.prefix && other.network & Self::mask(self.prefix) == self.network
    }

    /// Whether the two blocks share any address.
    pub fn overlaps(&self, other: &Ipv4Cidr) -> bool {
        self.contains(other) || other.contains(self)
    }
}

impl FromStr for Ipv4Cidr {
    type Err = InfraError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |message: &str| InfraError::Cidr {
            cidr: s.to_owned(),
            message: message.to_owned(),
        };
        let (addr, prefix) = s
            .split_once('/')
            .ok_or_else(|| err("expected ADDRESS/PREFIX"))?;
        let addr: Ipv4Addr = addr.parse().map_err(|_| err("bad IPv4 address"))?;
        let prefix: u8 = prefix.parse().map_err(|_| err("bad prefix length"))?;
        if prefix > 32 {
            return Err(err("prefix length above 32"));
        }
        let network = u32::from(addr);
        if network & !Self::mask(prefix) != 0 {
            return Err(err("host bits are set; use the network address"));
        }
        Ok(Ipv4Cidr { network, prefix })
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.network), self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(s: &str) -> Ipv4Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn subnets_follow_cidrsubnet() {
        let vpc = cidr("10.20.0.0/16");
        assert_eq!(vpc.subnet(4, 0).unwrap().to_string(), "10.20.0.0/20");
        assert_eq!(vpc.subnet(4, 3).unwrap().to_string(), "10.20.48.0/20");
        assert!(vpc.subnet(4, 16).is_err());
        assert!(cidr("10.0.0.0/26").subnet(4, 0).is_err());
    }

    #[test]
    fn containment_and_overlap() {
        let vpc = cidr("172.16.0.0/16");
        assert!(vpc.contains(&cidr("172.16.32.0/20")));
        assert!(!vpc.contains(&cidr("10.0.1.0/24")));
        assert!(cidr("10.0.0.0/20").overlaps(&cidr("10.0.1.0/24")));
        assert!(!cidr("10.0.0.0/20").overlaps(&cidr("10.0.16.0/20")));
    }

    #[test]
    fn rejects_malformed_blocks() {
        for bad in ["10.0.0.0", "10.0.0.1/16", "10.0.0.0/33", "x/16"] {
            assert!(bad.parse::<Ipv4Cidr>().is_err(), "{bad}");
        }
    }
}
