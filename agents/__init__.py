"""Mesa agent populations playing the Fang & Ramsay alliance game."""
