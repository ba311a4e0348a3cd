/*
 * Name lists for the generated data set, most common first: the generator picks from them with
 * a skew, so that "smith" or "maria" match many contacts and a rare name only a few, as in a
 * real contact book. A few carry accents or apostrophes, to exercise the search keys.
 */

function list(text: string): string[] {
  return text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export const FIRST_NAMES: readonly string[] = list(`
James, Mary, Maria, John, Patricia, Robert, Jennifer, Michael, Linda, David, Elizabeth,
William, Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Charles, Karen, Christopher,
Lisa, Daniel, Nancy, Matthew, Betty, Anthony, Margaret, Mark, Sandra, Donald, Ashley, Steven,
Kimberly, Paul, Emily, Andrew, Donna, Joshua, Michelle, Kenneth, Carol, Kevin, Amanda, Brian,
Dorothy, George, Melissa, Timothy, Deborah, Ronald, Stephanie, Edward, Rebecca, Jason, Sharon,
Jeffrey, Laura, Ryan, Cynthia, Jacob, Kathleen, Gary, Amy, Nicholas, Angela, Eric, Shirley,
Jonathan, Anna, Stephen, Brenda, Larry, Pamela, Justin, Emma, Scott, Nicole, Brandon, Helen,
Benjamin, Samantha, Samuel, Katherine, Gregory, Christine, Alexander, Debra, Frank, Rachel,
Patrick, Carolyn, Raymond, Janet, Jack, Catherine, Dennis, Martha, Jerry, Debbie, Tyler,
Virginia, Aaron, Heather, Jose, Diane, Adam, Julie, Nathan, Joyce, Henry, Victoria, Douglas,
Olivia, Zachary, Kelly, Peter, Christina, Kyle, Lauren, Ethan, Joan, Walter, Evelyn, Noah,
Judith, Jeremy, Megan, Christian, Andrea, Keith, Cheryl, Roger, Hannah, Terry, Jacqueline,
Gerald, Harold, Gloria, Sean, Teresa, Austin, Ann, Carl, Sara, Arthur, Madison, Lawrence,
Frances, Dylan, Kathryn, Jesse, Janice, Jordan, Jean, Bryan, Abigail, Billy, Alice, Joe, Judy,
Bruce, Sophia, Gabriel, Grace, Logan, Denise, Albert, Amber, Willie, Doris, Alan, Marilyn,
Juan, Danielle, Wayne, Beverly, Elijah, Isabella, Randy, Theresa, Roy, Diana, Vincent, Natalie,
Ralph, Brittany, Eugene, Charlotte, Russell, Marie, Bobby, Kayla, Mason, Alexis, Philip, Lori,
Louis, Luis, Carlos, Ana, Miguel, Sofía, Javier, Lucía, Alejandro, Valentina, Diego, Camila,
Andrés, Mariana, Fernando, Gabriela, Ricardo, Daniela, Sergio, Paula, Mohammed, Fatima, Ahmed,
Aisha, Omar, Layla, Ali, Noor, Hassan, Zainab, Wei, Li, Ming, Yan, Jun, Hui, Hiroshi, Yuki,
Kenji, Sakura, Raj, Priya, Arjun, Ananya, Vikram, Deepa, Rahul, Sneha, Amit, Pooja, Olga,
Dmitri, Ivan, Natasha, Sergei, Svetlana, Pierre, Amélie, François, Chloé, Étienne, Zoë, Søren,
Björn, Åsa, Jürgen, Jörg, Renée, Noël, Inês, João, Beatriz, Giulia, Marco, Francesca, Luca,
Chiara, Matteo, Klaus, Greta, Hans, Ingrid, Liam, Aoife, Seán, Siobhán, Declan, Niamh, Kwame,
Ama, Chidi, Ngozi, Tariq, Leila, Mateo, Ximena, Santiago, Renata, Emiliano, Regina, Maya, Eli,
Marcus, Margarita, Marisol, Marlon, Martín, Marvin, Maribel, Marta
`);

export const LAST_NAMES: readonly string[] = list(`
Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, Hernandez,
Lopez, Gonzalez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee, Perez,
Thompson, White, Harris, Sanchez, Clark, Ramirez, Lewis, Robinson, Walker, Young, Allen, King,
Wright, Scott, Torres, Nguyen, Hill, Flores, Green, Adams, Nelson, Baker, Hall, Rivera,
Campbell, Mitchell, Carter, Roberts, Gomez, Phillips, Evans, Turner, Diaz, Parker, Cruz,
Edwards, Collins, Reyes, Stewart, Morris, Morales, Murphy, Cook, Rogers, Gutierrez, Ortiz,
Morgan, Cooper, Peterson, Bailey, Reed, Kelly, Howard, Ramos, Kim, Cox, Ward, Richardson,
Watson, Brooks, Chavez, Wood, James, Bennett, Gray, Mendoza, Ruiz, Hughes, Price, Alvarez,
Castillo, Sanders, Patel, Myers, Long, Ross, Foster, Jimenez, Powell, Jenkins, Perry, Russell,
Sullivan, Bell, Coleman, Butler, Henderson, Barnes, Gonzales, Fisher, Vasquez, Simmons, Romero,
Jordan, Patterson, Alexander, Hamilton, Graham, Reynolds, Griffin, Wallace, Moreno, West, Cole,
Hayes, Bryant, Herrera, Gibson, Ellis, Tran, Medina, Aguilar, Stevens, Murray, Ford, Castro,
Marshall, Owens, Harrison, Fernandez, McDonald, Woods, Washington, Kennedy, Wells, Vargas,
Henry, Chen, Freeman, Webb, Tucker, Guzman, Burns, Crawford, Olson, Simpson, Porter, Hunter,
Gordon, Mendez, Silva, Shaw, Snyder, Mason, Dixon, Muñoz, Hunt, Hicks, Holmes, Palmer, Wagner,
Black, Robertson, Boyd, Rose, Stone, Salazar, Fox, Warren, Mills, Meyer, Rice, Schmidt, Garza,
Daniels, Ferguson, Nichols, Stephens, Soto, Weaver, Ryan, Gardner, Payne, Grant, Dunn, Kelley,
Spencer, Hawkins, Arnold, Pierce, Vazquez, Hansen, Peters, Santos, Hart, Bradley, Knight,
Elliott, Cunningham, Duncan, Armstrong, Hudson, Carroll, Lane, Riley, Andrews, Alvarado, Ray,
Delgado, Berry, Perkins, Hoffman, Johnston, Matthews, Peña, Richards, Contreras, Willis,
Carpenter, Lawrence, Sandoval, Wang, Zhang, Liu, Yang, Huang, Zhao, Wu, Zhou, Sato, Suzuki,
Takahashi, Tanaka, Watanabe, Singh, Kumar, Sharma, Gupta, Shah, Khan, Ahmed, Hussain, Ali,
Ivanov, Smirnov, Kuznetsov, Popov, Müller, Schneider, Fischer, Weber, Schäfer, Köhler, Dubois,
Lefèvre, Moreau, Girard, Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, O'Brien, O'Connor,
Ó Súilleabháin, MacLeod, Jensen, Nielsen, Søndergaard, Andersson, Öberg, Núñez, Ibáñez,
Gonçalves, Conceição, Nowak, Kowalski, Wiśniewski, Dvořák, Okafor, Mensah, Van der Berg,
De Jong, Marsh, Marino, Márquez, Marks
`);
