"""The populations: sellers, buyers and the market, residents, police (one module each)."""
