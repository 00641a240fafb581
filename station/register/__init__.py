"""The resident register: NIK, region and value codes, residents (lookup, search, bulk import),
row validation, registration at the counter, the resident card and e-KTP recording."""
