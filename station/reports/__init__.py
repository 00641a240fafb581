"""What the lurah reads: statistics, the SKM/IKM survey and the signed day summary."""
