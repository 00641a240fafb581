"""The Service Box (``station box``): a resident serves themself with NIK and PIN mandiri."""
