"""Docker's network model on the host kernel: a Linux bridge per network, a veth pair per
container, IPAM leases as files under a lock, NAT and published ports in nftables, names
in every member's /etc/hosts. One module per concern, as CNI's bridge and host-local."""
