"""Content placed on envelope faces and cards: text, QR codes, links, addresses.

Everything here computes; nothing draws. The renderer paints what these modules return.
"""
